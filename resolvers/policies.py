"""The privacy policy in force, announced changes, and publishing one (staff)."""

from __future__ import annotations

from schema.context import Info
from schema.policies import (
    IntroducedPurpose,
    IntroducedPurposeResult,
    PolicyNotice,
    PolicyResult,
    PolicyVersionInput,
    PrivacyPolicy,
)
from services import policies


async def privacy_policy() -> PrivacyPolicy:
    return PrivacyPolicy.from_row(await policies.in_force())


async def policy_notices(info: Info) -> list[PolicyNotice]:
    rows = await policies.notices(limit=info.context.settings.max_list_items)
    return [PolicyNotice.from_row(row) for row in rows]


async def publish_policy_version(info: Info, input: PolicyVersionInput) -> PolicyResult:
    """Staff only. A material change must take effect at least 30 days after it is
    announced."""
    info.context.viewer.require_staff()
    row = await policies.publish(
        version=input.version,
        summary=input.summary,
        material_change=input.material_change,
        effective_at=input.effective_at,
        introduces=input.introduces_purposes or (),
    )
    return PolicyNotice.from_row(row)


async def consent_to_purpose(info: Info, purpose: str, granted: bool) -> IntroducedPurposeResult:
    """My answer about a purpose a later policy version introduced (see
    `me.introducedPurposes`); the four core purposes are chosen with
    updatePrivacyPreferences."""
    viewer = info.context.viewer
    answered = await policies.answer_introduced_purpose(
        viewer.require_account(), purpose, granted, ip=viewer.ip
    )
    return IntroducedPurpose.of(answered)
