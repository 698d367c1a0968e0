"""The privacy policy: the version in force, the changes announced, and publishing a
new version (staff). The notice a change needs is a rule of privacy/policy.py."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from errors import InvalidInput
from mailers.enqueue import enqueue_policy_notice
from models import validation
from models.policies import PolicyVersion, policy_in_force
from privacy import policy as rules


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
    introduces: tuple[str, ...] = (),
) -> PolicyVersion:
    """Announces a version; a material change is mailed to every active account."""
    now = datetime.now(UTC)
    version = validation.text(version, "version", max_length=40)
    summary = validation.text(summary, "summary", max_length=5000, multiline=True)
    rules.ensure_notice(material_change, effective_at, now)
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
        # Two staff publishing the same version at once: the unique index decides.
        raise InvalidInput("version", "This version has been published already.") from None
    if material_change:
        await enqueue_policy_notice(policy)
    return policy
