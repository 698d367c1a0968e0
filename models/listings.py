"""Listings in the public directory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account

# A fixed list, so search forms and listing editors offer the same choices.
CATEGORIES: tuple[str, ...] = (
    "Band",
    "DJ",
    "Solo Musician",
    "Singer",
    "String Quartet",
    "Magician",
    "Comedian",
    "Dance Troupe",
    "Face Painter",
    "Caricaturist",
)
# The width of the city and state columns: a longer search term cannot match.
MAX_PLACE_LENGTH = 100


class Listing(Model):
    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="listings", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=120)
    category = fields.CharField(max_length=40)
    city = fields.CharField(max_length=MAX_PLACE_LENGTH)
    state = fields.CharField(max_length=MAX_PLACE_LENGTH)
    description = fields.TextField()
    in_directory = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # Counted up by a database trigger on every change of the row, so a cached public
    # page that showed this listing can tell it changed (web/public_cache.py).
    revision = fields.IntField(default=0)

    class Meta:
        table = "listing"
        # Keyset pages walk these in id order: no sort, no OFFSET scan.
        indexes = (("in_directory", "id"), ("in_directory", "category", "id"), ("owner_id", "id"))
