"""Promotions, one-click unsubscribe, email a friend, and the staff view of the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.outbox import OutboundEmail as OutboundEmailRow
from schema.enums import MailKind, MailState, Purpose
from schema.errors import InvalidToken, NotAuthorized, RateLimited, ValidationError
from schema.pagination import Connection


@strawberry.type
class PromotionQueued:
    recipients: int


@strawberry.type
class Unsubscribed:
    purposes: list[Purpose]


@strawberry.type
class ReferralSent:
    message: str


@strawberry.type(description="Staff only: one mail in the outbox.")
class OutboundEmail:
    id: strawberry.ID
    kind: MailKind
    state: MailState
    recipient_email: str | None = strawberry.field(
        description="Null for mail to someone without an account: that address is not kept."
    )
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: OutboundEmailRow) -> OutboundEmail:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            state=row.state,
            recipient_email=row.recipient.email if row.recipient else None,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            sent_at=row.sent_at,
        )


OutboundEmailConnection = Connection[OutboundEmail]


@strawberry.input
class PromotionInput:
    subject: str
    body: str
    on_behalf_of_partner: str | None = strawberry.field(
        default=None,
        description=(
            "Set when the mailing is sent on behalf of a partner: it then goes only to "
            "PARTNER_PROMOTIONS consenters."
        ),
    )


@strawberry.input
class ReferralInput:
    friend_name: str
    friend_email: str


PromotionResult = Annotated[
    PromotionQueued | ValidationError | NotAuthorized, strawberry.union("PromotionResult")
]
UnsubscribeResult = Annotated[
    Unsubscribed | InvalidToken | RateLimited, strawberry.union("UnsubscribeResult")
]
ReferralResult = Annotated[
    ReferralSent | ValidationError | NotAuthorized | RateLimited,
    strawberry.union("ReferralResult"),
]
