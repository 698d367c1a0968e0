"""Legal holds: an account under an active hold is not erased, and legal disclosures
about it are not shown to the person, until the hold is lifted or ends."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import Q

from models.retention import LegalHold


def active(now: datetime | None = None) -> Q:
    now = now or datetime.now(UTC)
    return Q(lifted_at=None) & (Q(ends_at=None) | Q(ends_at__gt=now))


async def is_held(account_id: int) -> bool:
    return await LegalHold.filter(active(), account_id=account_id).exists()


async def conceals_disclosures(account_id: int) -> bool:
    return await is_held(account_id)
