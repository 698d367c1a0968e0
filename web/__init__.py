"""HTTP concerns in front of GraphQL: who is calling, from where."""
