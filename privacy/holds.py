"""Legal holds: an account under an active hold is not erased, and neither the hold nor
the legal disclosures about the person are shown to them, until the hold is lifted or
ends: the obligation behind a hold may forbid telling the person of it."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import Q

from models.audit import AuditAction
from models.retention import LegalHold

# Events about the person that reveal a hold (or what it protects) while one stands.
CONCEALED_WHILE_HELD = frozenset(
    {AuditAction.LEGAL_HOLD_PLACED, AuditAction.LEGAL_HOLD_LIFTED, AuditAction.LEGAL_DISCLOSURE}
)


def active(now: datetime | None = None) -> Q:
    now = now or datetime.now(UTC)
    return Q(lifted_at=None) & (Q(ends_at=None) | Q(ends_at__gt=now))


async def is_held(account_id: int) -> bool:
    return await LegalHold.filter(active(), account_id=account_id).exists()


async def concealed_from(account_id: int) -> Q | None:
    """The audit events about the person that they may not see now (a SQL condition),
    or None when nothing is concealed."""
    if not await is_held(account_id):
        return None
    return Q(subject_id=account_id, action__in=list(CONCEALED_WHILE_HELD))
