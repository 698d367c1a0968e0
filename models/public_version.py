"""One number that changes whenever anything public changes (a listing, a performer's
name or status, a testimonial). Database triggers bump it, in the same transaction as
the change, so no code path can forget to, and every worker and host sees it: the
public response cache (web/public_cache.py) keys on it."""

from __future__ import annotations

from tortoise import connections, fields
from tortoise.models import Model


class PublicVersion(Model):
    id = fields.IntField(primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "public_version"


async def current() -> int:
    _, rows = await connections.get("default").execute_query(
        "SELECT version FROM public_version WHERE id = 1"
    )
    return int(rows[0]["version"]) if rows else -1
