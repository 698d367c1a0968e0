"""GraphQL types, inputs and unions: what a client may see at all.

The assembled schema is in web/graphql_schema.py, above the resolvers it maps
(`strawberry export-schema web.graphql_schema:schema`).
"""
