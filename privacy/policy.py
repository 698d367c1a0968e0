"""Policy changes: notice 30 days ahead, and data used under the policy it was
collected under.

Every account keeps the version it registered under and every consent names the
version in force when it was given. A purpose that a later version introduces
applies to an account only once that account has consented to it under a version
that asks for it.

Publishing a version is a use case (services/policies.py); a choice about a purpose is
written to the ledger by privacy/consent.py only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from errors import InvalidInput
from models.accounts import ConsentEvent
from models.policies import PolicyVersion

NOTICE_DAYS = 30
# A clock a little behind ours should not make "now" count as the past.
CLOCK_SKEW = timedelta(minutes=5)


def ensure_notice(material_change: bool, effective_at: datetime, now: datetime) -> None:
    if effective_at.tzinfo is None:
        raise InvalidInput("effectiveAt", "Give the time with its time zone.")
    if effective_at < now - CLOCK_SKEW:
        raise InvalidInput("effectiveAt", "A new version cannot take effect in the past.")
    if material_change and effective_at < now + timedelta(days=NOTICE_DAYS) - CLOCK_SKEW:
        raise InvalidInput(
            "effectiveAt",
            f"A material change takes effect at least {NOTICE_DAYS} days after it is announced.",
        )


async def notices(now: datetime, *, limit: int, recent_days: int = 90) -> list[PolicyVersion]:
    """Versions announced and not yet in force, and those in force for a short while: the
    `limit` latest of them, in the order they take effect."""
    latest = PolicyVersion.filter(effective_at__gt=now - timedelta(days=recent_days))
    rows = await latest.order_by("-effective_at", "-id").limit(limit)
    return rows[::-1]


async def latest_choice(account_id: int, purpose: str) -> ConsentEvent | None:
    return (
        await ConsentEvent.filter(account_id=account_id, purpose=purpose)
        .order_by("-id")
        .select_related("policy_version")
        .first()
    )


async def governing_version(account_id: int, purpose: str) -> PolicyVersion | None:
    """The version under which the person made the choice now in force for `purpose`:
    the terms that govern that use of their data."""
    choice = await latest_choice(account_id, purpose)
    return choice.policy_version if choice else None


async def applies(account_id: int, purpose: str) -> bool:
    """Whether `purpose` may be used for this account at all: only after a consent to
    it under a version that asks for it."""
    choice = await latest_choice(account_id, purpose)
    return choice is not None and choice.granted and purpose in choice.policy_version.purpose_names
