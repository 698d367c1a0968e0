"""What a cached public answer checks before it is served again, kept by database
triggers in the same transaction as each change, so no code path can forget them and
every worker and host sees them (web/public_cache.py):

- one number that changes whenever what a page holds may change: a listing added,
  deleted or moved (category, city, state, directory, owner), a performer's name or
  status, a testimonial;
- each listing's own revision, which changes with any change of that listing, so that
  editing one listing's text renews only the pages that show it.
"""

from __future__ import annotations

from tortoise import connections, fields
from tortoise.models import Model


class PublicVersion(Model):
    id = fields.IntField(primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "public_version"


async def listing_revisions(ids: list[int]) -> dict[int, int]:
    """The revision of each listing of `ids` that still exists."""
    placeholders = ", ".join("?" for _ in ids)
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        placeholders = ", ".join(f"${n}" for n in range(1, len(ids) + 1))
    _, rows = await connection.execute_query(
        f"SELECT id, revision FROM listing WHERE id IN ({placeholders})",  # noqa: S608
        list(ids),
    )
    return {int(row["id"]): int(row["revision"]) for row in rows}


async def current() -> int:
    _, rows = await connections.get("default").execute_query(
        "SELECT version FROM public_version WHERE id = 1"
    )
    return int(rows[0]["version"]) if rows else -1
