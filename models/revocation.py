"""Revoking something a person owns (a contact grant, an API key)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from tortoise.models import Model

from errors import NotFoundError

Owned = TypeVar("Owned", bound=Model)


async def revoke_owned(
    model: type[Owned], record_id: int | None, owner_id: int, missing: str
) -> Owned:
    """Someone else's id names nothing (NotFound), so ids cannot be probed. Revoking
    twice keeps the first time."""
    row = await model.get_or_none(id=record_id, owner_id=owner_id) if record_id else None
    if row is None:
        raise NotFoundError(missing)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        await row.save(update_fields=["revoked_at"])
    return row
