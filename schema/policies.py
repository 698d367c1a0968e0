"""The privacy policy in force, and changes announced ahead of their date."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.policies import PolicyVersion
from schema.errors import NotAuthorized, ValidationError


@strawberry.type
class PrivacyPolicy:
    version: str
    summary: str
    effective_at: datetime

    @classmethod
    def from_row(cls, row: PolicyVersion) -> PrivacyPolicy:
        return cls(version=row.version, summary=row.summary, effective_at=row.effective_at)


@strawberry.type(description="A policy change announced ahead of its effective date.")
class PolicyNotice:
    version: str
    summary: str
    material_change: bool
    announced_at: datetime
    effective_at: datetime

    @classmethod
    def from_row(cls, row: PolicyVersion) -> PolicyNotice:
        return cls(
            version=row.version,
            summary=row.summary,
            material_change=row.material_change,
            announced_at=row.announced_at,
            effective_at=row.effective_at,
        )


@strawberry.input
class PolicyVersionInput:
    version: str
    summary: str
    material_change: bool
    effective_at: datetime


PolicyResult = Annotated[
    PolicyNotice | ValidationError | NotAuthorized, strawberry.union("PolicyResult")
]
