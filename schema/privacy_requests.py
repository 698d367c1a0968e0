"""Privacy requests as the person sees theirs and as staff see the queue, and the
account summary staff work from (no contact details)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from models import privacy_requests as rows
from models.accounts import Account as AccountRow
from privacy import privacy_requests as rules
from schema.enums import AccountStatus, Role
from schema.errors import (
    InvalidTransition,
    LimitReached,
    NotAuthorized,
    NotFound,
    RateLimited,
    ValidationError,
)
from schema.pagination import Connection

PrivacyRequestKind = strawberry.enum(
    rows.PrivacyRequestKind,
    name="PrivacyRequestKind",
    description="What the person asks: to see their data (ACCESS), to correct it, to delete "
    "it, to object to a use of it, or a QUESTION about it.",
)
PrivacyRequestSource = strawberry.enum(
    rows.PrivacyRequestSource,
    name="PrivacyRequestSource",
    description="How it reached us: filed by the person (SELF_SERVICE), or entered by staff "
    "from an EMAIL, a PHONE call or a letter (POST).",
)
PrivacyRequestStatus = strawberry.enum(
    rows.PrivacyRequestStatus,
    name="PrivacyRequestStatus",
    description="RECEIVED → ACKNOWLEDGED (the acknowledgement is mailed) → RESOLVED or "
    "REJECTED (the outcome is mailed).",
)


@strawberry.type(description="A request about my data, and where it stands.")
class PrivacyRequest:
    id: strawberry.ID
    reference: str = strawberry.field(
        description='Quote it when writing to us, e.g. "PR-7KQ4-M9XD"; random, not a count.'
    )
    kind: PrivacyRequestKind
    source: PrivacyRequestSource
    message: str
    status: PrivacyRequestStatus
    reason: str | None = strawberry.field(
        description="Once closed: the note on how it was answered, or why it was declined."
    )
    received_at: datetime
    due_at: datetime = strawberry.field(
        description="When it must be answered by: received + PRIVACY_REQUEST_DUE_DAYS."
    )
    acknowledged_at: datetime | None
    closed_at: datetime | None
    overdue: bool = strawberry.field(description="Still open past its due date.")
    days_left: int | None = strawberry.field(
        description="Calendar days (UTC) to the due date: 0 on the day, negative once past; "
        "null once closed."
    )

    @classmethod
    def fields_of(cls, row: rows.PrivacyRequest) -> dict:
        now = datetime.now(UTC)
        return {
            "id": strawberry.ID(str(row.id)),
            "reference": row.reference,
            "kind": row.kind,
            "source": row.source,
            "message": row.message,
            "status": row.status,
            "reason": row.reason,
            "received_at": row.received_at,
            "due_at": row.due_at,
            "acknowledged_at": row.acknowledged_at,
            "closed_at": row.closed_at,
            "overdue": rules.is_overdue(row, now),
            "days_left": rules.days_left(row, now),
        }

    @classmethod
    def from_row(cls, row: rows.PrivacyRequest) -> PrivacyRequest:
        return cls(**cls.fields_of(row))


@strawberry.type(
    description="Staff only: an account as staff need it to act on a request; no contact details."
)
class AccountSummary:
    id: strawberry.ID
    name: str
    role: Role
    status: AccountStatus
    created_at: datetime
    cancelled_at: datetime | None

    @classmethod
    def from_row(cls, row: AccountRow) -> AccountSummary:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            role=row.role,
            status=row.status,
            created_at=row.created_at,
            cancelled_at=row.cancelled_at,
        )


@strawberry.type(description="Staff only: a privacy request with the person it is from.")
class StaffPrivacyRequest(PrivacyRequest):
    person: AccountSummary

    @classmethod
    def from_row(cls, row: rows.PrivacyRequest) -> StaffPrivacyRequest:
        """`row` comes with its account."""
        return cls(**cls.fields_of(row), person=AccountSummary.from_row(row.account))


PrivacyRequestConnection = Connection[PrivacyRequest]
StaffPrivacyRequestConnection = Connection[StaffPrivacyRequest]


@strawberry.input
class FilePrivacyRequestInput:
    kind: PrivacyRequestKind
    message: str = strawberry.field(
        description="What you ask, in your words; several lines are fine (at most "
        "PRIVACY_REQUEST_MAX_LENGTH characters, 5,000 by default)."
    )


@strawberry.input(description="Staff only: a request received by mail, phone or post.")
class StaffPrivacyRequestInput:
    account_id: strawberry.ID = strawberry.field(
        description="Whose request it is (findAccountByEmail finds it by address)."
    )
    kind: PrivacyRequestKind
    message: str = strawberry.field(description="What the person asked, as received.")
    source: PrivacyRequestSource = strawberry.field(description="EMAIL, PHONE or POST.")
    received_at: datetime | None = strawberry.field(
        default=None,
        description="When it reached us, if before now (a letter): the deadline runs from "
        "then. Not in the future.",
    )
    acknowledge: bool = strawberry.field(
        default=True,
        description="Mail the acknowledgement now (reference, due date). False when it was "
        "acknowledged through the channel it came by; acknowledgePrivacyRequest can mail "
        "it later.",
    )


FilePrivacyRequestResult = Annotated[
    PrivacyRequest | ValidationError | NotAuthorized | RateLimited | LimitReached,
    strawberry.union("FilePrivacyRequestResult"),
]
StaffPrivacyRequestResult = Annotated[
    StaffPrivacyRequest | ValidationError | NotAuthorized | NotFound | InvalidTransition,
    strawberry.union("StaffPrivacyRequestResult"),
]
