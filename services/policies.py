"""The privacy policy: the version in force, the changes announced, publishing a new
version (staff), and the purposes a version introduces: a person's answer to each, and
where they stand on them. The notice a change needs, and when an introduced purpose
applies, are rules of privacy/policies.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from errors import InvalidInput
from mailers.enqueue import enqueue_policy_notice
from models import validation
from models.accounts import Account
from models.policies import PolicyVersion, policy_in_force
from models.purposes import ConsentSource
from privacy import consent
from privacy import policies as rules


async def in_force() -> PolicyVersion:
    return await policy_in_force(datetime.now(UTC))


async def notices(*, limit: int) -> list[PolicyVersion]:
    return await rules.notices(datetime.now(UTC), limit=limit)


async def publish(
    *,
    version: str,
    summary: str,
    material_change: bool,
    effective_at: datetime,
    introduces: Sequence[str] = (),
) -> PolicyVersion:
    """Announces a version; a material change is mailed to every active account. The
    new version asks for every purpose a published version asks for (a purpose, once
    introduced, is never dropped: consents given under it stay valid), and for those it
    `introduces`."""
    now = datetime.now(UTC)
    version = validation.text(version, "version", max_length=40)
    summary = validation.text(summary, "summary", max_length=5000, multiline=True)
    rules.ensure_notice(material_change, effective_at, now)
    asked: set[str] = set()
    for published in await PolicyVersion.all().values_list("purposes", flat=True):
        asked |= set(published.split())
    introduces = rules.ensure_introducible(list(introduces), asked)
    rules.ensure_material_when_use_changes(material_change, introduces)
    purposes = " ".join(sorted(asked | set(introduces)))
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
        # Two staff publishing the same version at once: the unique index decides.
        raise InvalidInput("version", "This version has been published already.") from None
    if material_change:
        await enqueue_policy_notice(policy)
    return policy


async def introduced_purposes(account_id: int) -> list[rules.IntroducedPurpose]:
    """The purposes the policy in force asks for beyond the core ones, and whether each
    applies to the person."""
    return await rules.introduced_purposes(account_id, datetime.now(UTC))


async def answer_introduced_purpose(
    account: Account, purpose: str, granted: bool, *, ip: str | None
) -> rules.IntroducedPurpose:
    """The person's own answer about a purpose a version introduced, recorded in the
    consent ledger under the version in force (which must ask for it)."""
    name = validation.text(purpose, "purpose", max_length=32)
    if name in consent.CORE_PURPOSES:
        raise InvalidInput("purpose", "Choose this purpose with updatePrivacyPreferences.")
    await consent.record_choice(account, name, granted, ConsentSource.SETTINGS, ip)
    [answered] = [p for p in await introduced_purposes(account.id) if p.name == name]
    return answered
