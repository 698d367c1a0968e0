"""Policy changes: notice 30 days ahead, and data used under the policy it was
collected under.

Every account keeps the version it registered under and every consent names the
version in force when it was given. A purpose that a later version introduces
applies to an account only once that account has consented to it under a version
that asks for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from errors import InvalidInput
from mailers.enqueue import enqueue_policy_notice
from models import validation
from models.accounts import Account, ConsentEvent
from models.policies import PolicyVersion, policy_in_force
from models.purposes import ConsentSource, Purpose

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


async def publish(
    *,
    version: str,
    summary: str,
    material_change: bool,
    effective_at: datetime,
    introduces: tuple[str, ...] = (),
) -> PolicyVersion:
    """Announces a version; a material change is mailed to every active account."""
    now = datetime.now(UTC)
    version = validation.text(version, "version", max_length=40)
    summary = validation.text(summary, "summary", max_length=5000, multiline=True)
    ensure_notice(material_change, effective_at, now)
    current = await policy_in_force(now)
    purposes = " ".join(sorted(current.purpose_names | set(introduces)))
    if await PolicyVersion.exists(version=version):
        raise InvalidInput("version", "This version has been published already.")
    try:
        policy = await PolicyVersion.create(
            version=version,
            summary=summary,
            material_change=material_change,
            announced_at=now,
            effective_at=effective_at,
            purposes=purposes,
        )
    except IntegrityError:
        raise InvalidInput("version", "This version has been published already.") from None
    if material_change:
        await enqueue_policy_notice(policy)
    return policy


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


async def record_choice(
    account: Account, purpose: str, granted: bool, source: ConsentSource, ip: str | None
) -> ConsentEvent:
    """A choice about a purpose the version in force asks for (including one it
    introduced), recorded under that version."""
    if purpose in set(Purpose):
        raise ValueError("choices about the core purposes go through privacy.consent")
    policy = await policy_in_force(datetime.now(UTC))
    if purpose not in policy.purpose_names:
        raise InvalidInput("purpose", "The privacy policy in force does not ask for this.")
    return await ConsentEvent.create(
        account_id=account.id,
        purpose=purpose,
        granted=granted,
        source=source,
        policy_version_id=policy.id,
        ip=ip,
    )
