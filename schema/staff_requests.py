"""Staff tools for requests received by email, phone or post: choices, cancellation and
corrections on the person's behalf, legal holds and disclosures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.retention import LegalHold as LegalHoldRow
from schema.accounts import PrivacyPreferences, PrivacyPreferencesInput, given
from schema.audit import AuditEvent
from schema.data_rights import AccountCancelled
from schema.errors import (
    InvalidTransition,
    NotAuthorized,
    NotFound,
    ValidationError,
)
from schema.listings import Listing
from schema.privacy_requests import AccountSummary


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


LINKED_REQUEST = (
    "One of the person's open privacy requests this correction answers (recorded in the "
    "audit log; resolve the request separately). Another person's request is NotFound."
)


@strawberry.input(
    description="Staff only: a correction the person asked for by mail or phone. Only the "
    "fields given change; `phone: null` (or empty) clears the number. The same checks as "
    "`updateProfile`; the address is never changed here (its owner confirms a new one)."
)
class StaffProfileCorrectionInput:
    name: strawberry.Maybe[str | None]
    phone: strawberry.Maybe[str | None]
    privacy_request_id: strawberry.ID | None = strawberry.field(
        default=None, description=LINKED_REQUEST
    )

    def changes(self) -> dict[str, str | None]:
        changes: dict[str, str | None] = {}
        if given(self.name):
            changes["name"] = self.name.value
        if isinstance(self.phone, strawberry.Some):
            changes["phone"] = self.phone.value
        return changes


@strawberry.input(
    description="Staff only: a correction of a listing its owner asked for by mail or phone. "
    "Only the fields given (not null) change, under the same checks as `updateListing`."
)
class StaffListingCorrectionInput:
    title: strawberry.Maybe[str | None]
    category: strawberry.Maybe[str | None]
    city: strawberry.Maybe[str | None]
    state: strawberry.Maybe[str | None]
    description: strawberry.Maybe[str | None]
    privacy_request_id: strawberry.ID | None = strawberry.field(
        default=None, description=LINKED_REQUEST
    )

    def changes(self) -> dict[str, str]:
        names = ("title", "category", "city", "state", "description")
        return {name: value.value for name in names if given(value := getattr(self, name))}


CorrectProfileResult = Annotated[
    AccountSummary | ValidationError | NotAuthorized | NotFound | InvalidTransition,
    strawberry.union("CorrectProfileResult"),
]


CorrectListingResult = Annotated[
    Listing | ValidationError | NotAuthorized | NotFound | InvalidTransition,
    strawberry.union("CorrectListingResult"),
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
