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

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.functions import Max

from errors import InvalidInput
from models.accounts import AccountStatus, ConsentEvent
from models.policies import PolicyVersion
from models.purposes import Purpose

NOTICE_DAYS = 30
# A clock a little behind ours should not make "now" count as the past.
CLOCK_SKEW = timedelta(minutes=5)

# A purpose a version introduces is named like the core ones: capitals, digits and
# underscores, at most 32 (ConsentEvent.purpose), so it can never be mistaken for text.
PURPOSE_NAME = re.compile(r"[A-Z][A-Z0-9_]{1,31}")
MAX_INTRODUCED_PER_VERSION = 10
# PolicyVersion.purposes holds every purpose a version asks for, space-separated.
MAX_PURPOSES_LENGTH = 400


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


def ensure_material_when_use_changes(material_change: bool, introduces: Sequence[str]) -> None:
    """A version that introduces a purpose changes what people's data may be used for:
    a material change by definition, whatever the publisher ticked. Refused (rather
    than quietly published as material) so that what staff announce is what they
    meant, and so that such a version can never take effect at once and mail nobody."""
    if introduces and not material_change:
        raise InvalidInput(
            "materialChange",
            "A version that introduces a purpose is a material change: publish it with "
            f"materialChange: true, taking effect at least {NOTICE_DAYS} days ahead.",
        )


async def notices(now: datetime, *, limit: int, recent_days: int = 90) -> list[PolicyVersion]:
    """Versions announced and not yet in force, and those in force for a short while: the
    `limit` latest of them, in the order they take effect."""
    latest = PolicyVersion.filter(effective_at__gt=now - timedelta(days=recent_days))
    rows = await latest.order_by("-effective_at", "-id").limit(limit)
    return rows[::-1]


def ensure_introducible(names: Sequence[str], asked_already: Iterable[str]) -> list[str]:
    """The purposes a new version may introduce: well named, none that a published
    version asks for already (the core ones included: every version asks for them), each
    once. Refused whole, as a ValidationError on `introducesPurposes`, before anything is
    stored."""
    field = "introducesPurposes"
    asked = set(asked_already)
    if len(names) > MAX_INTRODUCED_PER_VERSION:
        raise InvalidInput(
            field, f"A version can introduce at most {MAX_INTRODUCED_PER_VERSION} purposes."
        )
    for name in names:
        if not isinstance(name, str) or not PURPOSE_NAME.fullmatch(name):
            raise InvalidInput(
                field,
                "Name each purpose with capital letters, digits and underscores "
                "(2 to 32, starting with a letter), such as SMS_REMINDERS.",
            )
        if name in asked:
            raise InvalidInput(field, f"{name} is asked for by a published version already.")
    if len(set(names)) != len(names):
        raise InvalidInput(field, "Name each purpose once.")
    if len(" ".join(asked | set(Purpose) | set(names))) > MAX_PURPOSES_LENGTH:
        raise InvalidInput(field, "A version cannot ask for that many purposes.")
    return list(names)


async def latest_choice(account_id: int, purpose: str) -> ConsentEvent | None:
    return (
        await ConsentEvent.filter(account_id=account_id, purpose=purpose)
        .order_by("-id")
        .select_related("policy_version", "account")
        .first()
    )


async def governing_version(account_id: int, purpose: str) -> PolicyVersion | None:
    """The version under which the person made the choice now in force for `purpose`:
    the terms that govern that use of their data."""
    choice = await latest_choice(account_id, purpose)
    return choice.policy_version if choice else None


def _applies(choice: ConsentEvent | None) -> bool:
    """`choice` (the latest about its purpose) comes with its version and account."""
    return (
        choice is not None
        and choice.granted
        and choice.purpose in choice.policy_version.purpose_names
        # Closing an account stops every use, of purposes introduced later too.
        and choice.account.status == AccountStatus.ACTIVE
    )


async def applies(account_id: int, purpose: str) -> bool:
    """Whether `purpose` may be used for this account at all: only after a consent to
    it under a version that asks for it, and while the account is open."""
    return _applies(await latest_choice(account_id, purpose))


@dataclass(frozen=True)
class IntroducedPurpose:
    """A purpose the policy in force asks for beyond the core ones, and where one
    person stands on it."""

    name: str
    introduced_in: PolicyVersion
    choice: ConsentEvent | None
    applies: bool


async def introduced_purposes(account_id: int, now: datetime) -> list[IntroducedPurpose]:
    """Every purpose the policy in force asks for beyond the core ones, in the order the
    versions introduced them, each with the person's latest choice and whether it
    applies (the same rule as `applies`). At most three statements, however many
    purposes and choices."""
    versions = await PolicyVersion.filter(effective_at__lte=now).order_by("effective_at", "id")
    first_asked_in: dict[str, PolicyVersion] = {}
    for version in versions:
        for name in sorted(version.purpose_names - set(Purpose)):
            first_asked_in.setdefault(name, version)
    in_force = versions[-1].purpose_names if versions else frozenset()
    names = [name for name in first_asked_in if name in in_force]
    latest: dict[str, ConsentEvent] = {}
    if names:
        newest = (
            ConsentEvent.filter(account_id=account_id, purpose__in=names)
            .annotate(newest=Max("id"))
            .group_by("purpose")
            .values_list("newest", flat=True)
        )
        events = ConsentEvent.filter(id__in=await newest)
        latest = {e.purpose: e for e in await events.select_related("policy_version", "account")}
    return [
        IntroducedPurpose(
            name=name,
            introduced_in=first_asked_in[name],
            choice=latest.get(name),
            applies=_applies(latest.get(name)),
        )
        for name in names
    ]
