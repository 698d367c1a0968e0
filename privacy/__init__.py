"""The privacy policy as code: purposes, consent, sharing, retention.

No GraphQL here: resolvers ask these functions, and tests call them alone.
"""
