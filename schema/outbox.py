"""The staff view of the outbox: every mail, its state and its last error."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.outbox import OutboundEmail as OutboundEmailRow
from schema.enums import MailKind, MailState
from schema.pagination import Connection


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
