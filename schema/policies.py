"""The privacy policy in force, and changes announced ahead of their date."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.policies import PolicyVersion
from privacy import policies as rules
from schema.errors import NotAuthorized, ValidationError

PURPOSES_DESCRIPTION = (
    "Every purpose this version asks consent for: the four of `Purpose`, and any a "
    "version introduced (`introducesPurposes`)."
)


@strawberry.type
class PrivacyPolicy:
    version: str
    summary: str
    effective_at: datetime
    purposes: list[str] = strawberry.field(description=PURPOSES_DESCRIPTION)

    @classmethod
    def from_row(cls, row: PolicyVersion) -> PrivacyPolicy:
        return cls(
            version=row.version,
            summary=row.summary,
            effective_at=row.effective_at,
            purposes=sorted(row.purpose_names),
        )


@strawberry.type(description="A policy change announced ahead of its effective date.")
class PolicyNotice:
    version: str
    summary: str
    material_change: bool
    announced_at: datetime
    effective_at: datetime
    purposes: list[str] = strawberry.field(description=PURPOSES_DESCRIPTION)

    @classmethod
    def from_row(cls, row: PolicyVersion) -> PolicyNotice:
        return cls(
            version=row.version,
            summary=row.summary,
            material_change=row.material_change,
            announced_at=row.announced_at,
            effective_at=row.effective_at,
            purposes=sorted(row.purpose_names),
        )


@strawberry.type(
    description="A purpose a later version of the privacy policy asks consent for, beyond "
    "the four of `Purpose`, and where I stand on it. It applies to me only once I "
    "consent to it under a version that asks for it: nothing I agreed to before covers it."
)
class IntroducedPurpose:
    name: str
    introduced_in: str = strawberry.field(description="The version that first asked for it.")
    granted: bool | None = strawberry.field(
        description="My latest answer (`consentToPurpose`); null when I have not answered."
    )
    answered_under: str | None = strawberry.field(
        description="The version in force when I gave that answer."
    )
    answered_at: datetime | None
    applies: bool = strawberry.field(
        description="Whether my data may be used for it now: I consented under a version "
        "that asks for it, and my account is open."
    )

    @classmethod
    def of(cls, purpose: rules.IntroducedPurpose) -> IntroducedPurpose:
        choice = purpose.choice
        return cls(
            name=purpose.name,
            introduced_in=purpose.introduced_in.version,
            granted=choice.granted if choice else None,
            answered_under=choice.policy_version.version if choice else None,
            answered_at=choice.recorded_at if choice else None,
            applies=purpose.applies,
        )


@strawberry.input
class PolicyVersionInput:
    version: str
    summary: str
    material_change: bool = strawberry.field(
        description="A change in what data is used for or how: it takes effect at least 30 "
        "days after it is announced, and every active account is mailed. A version that "
        "introduces a purpose is one by definition (false is a ValidationError)."
    )
    effective_at: datetime
    introduces_purposes: list[str] | None = strawberry.field(
        default=None,
        description="Purposes this version asks consent for that no earlier version did, "
        "named like SMS_REMINDERS (capitals, digits, underscores; at most 10). They apply "
        "to nobody until that person consents under this version or a later one. "
        "Introducing any makes the version a material change.",
    )


PolicyResult = Annotated[
    PolicyNotice | ValidationError | NotAuthorized, strawberry.union("PolicyResult")
]
IntroducedPurposeResult = Annotated[
    IntroducedPurpose | ValidationError | NotAuthorized,
    strawberry.union("IntroducedPurposeResult"),
]
