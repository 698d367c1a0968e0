"""GraphQL types, inputs and unions: what a client may see at all.

The assembled schema is in schema.root (`strawberry export-schema schema.root:schema`).
"""
