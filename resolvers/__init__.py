"""Thin resolvers: authenticate, ask privacy/, call the model, map the result."""
