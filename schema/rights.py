"""The person's rights (export, cancellation, confirming a new address) and the staff
tools for requests received by email or phone, legal holds and disclosures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.retention import LegalHold as LegalHoldRow
from schema.accounts import PrivacyPreferences, PrivacyPreferencesInput
from schema.errors import (
    EmailTaken,
    InvalidToken,
    NotAuthorized,
    NotFound,
    ValidationError,
)
from schema.sharing import AuditEvent


@strawberry.type
class AccountCancelled:
    cancelled_at: datetime
    purge_after: datetime = strawberry.field(
        description="When the remaining personal data will be erased, unless held for a legal "
        "obligation."
    )


@strawberry.type(
    description="A confirmed change of address. Whoever holds the link learns only the "
    "address it confirmed: the link needs no session, so it reveals nothing else."
)
class EmailChangeConfirmed:
    email: str


@strawberry.type(description="Staff only: a legal hold keeps an account from being erased.")
class LegalHold:
    id: strawberry.ID
    account_id: strawberry.ID
    reason: str
    placed_at: datetime
    ends_at: datetime | None
    lifted_at: datetime | None

    @classmethod
    def from_row(cls, row: LegalHoldRow) -> LegalHold:
        return cls(
            id=strawberry.ID(str(row.id)),
            account_id=strawberry.ID(str(row.account_id)),
            reason=row.reason,
            placed_at=row.placed_at,
            ends_at=row.ends_at,
            lifted_at=row.lifted_at,
        )


@strawberry.input
class LegalHoldInput:
    account_id: strawberry.ID
    reason: str
    ends_at: datetime | None = None


@strawberry.input
class LegalDisclosureInput:
    account_id: strawberry.ID
    authority: str = strawberry.field(description="Who required the disclosure.")
    legal_reference: str = strawberry.field(description="The order, warrant or statute.")
    data_disclosed: list[str] = strawberry.field(description="Which kinds of data were given.")


@strawberry.input
class StaffPreferencesInput:
    account_id: strawberry.ID
    choices: PrivacyPreferencesInput


CancelAccountResult = Annotated[
    AccountCancelled | NotAuthorized, strawberry.union("CancelAccountResult")
]
StaffCancelResult = Annotated[
    AccountCancelled | NotAuthorized | NotFound, strawberry.union("StaffCancelResult")
]
StaffPreferencesResult = Annotated[
    PrivacyPreferences | NotAuthorized | NotFound, strawberry.union("StaffPreferencesResult")
]
LegalHoldResult = Annotated[
    LegalHold | ValidationError | NotAuthorized | NotFound, strawberry.union("LegalHoldResult")
]
LegalDisclosureResult = Annotated[
    AuditEvent | ValidationError | NotAuthorized | NotFound,
    strawberry.union("LegalDisclosureResult"),
]
ConfirmEmailResult = Annotated[
    EmailChangeConfirmed | InvalidToken | EmailTaken, strawberry.union("ConfirmEmailResult")
]
