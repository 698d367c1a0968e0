"""Tortoise models and the queries over them."""
