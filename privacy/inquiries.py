"""A booking inquiry as one reader may see it: the one rule for every path that shows
another person's words (`receivedInquiries`, `sentInquiries`, `sendBookingInquiry`'s
answer, a shared contact's inquiry, the data export, the new-inquiry mail; webhooks
carry none and send the partner to those lists).

Its author sees it whole, under their own name. The performer it was sent to sees who
asked (a name only: contact details come through a share in force, `sharedContacts`)
and what they wrote, while the author's account is open. Cancelling stops every use of
the person's data: from then on the performer keeps the fact and the date of the
inquiry, not its words, its event type nor its author's name. Anyone else sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from models.accounts import AccountStatus
from models.sharing import BookingInquiry

# What a performer reads in place of the words of an author who closed their account.
WITHDRAWN_MESSAGE = "The person who sent this inquiry has closed their account."


@dataclass(frozen=True)
class SeenInquiry:
    """What one reader may see of an inquiry: nothing more is handed to a reader."""

    id: int
    listing_id: int
    customer_id: int
    performer_id: int
    event_date: str
    event_type: str
    message: str
    created_at: datetime
    # The author's name as the reader may see it; None once the author closed their account.
    asked_by: str | None
    # The author closed their account: their words and name are withheld.
    withdrawn: bool = False


def as_seen_by(inquiry: BookingInquiry, reader_id: int | None) -> SeenInquiry | None:
    """`inquiry` as the account `reader_id` may see it, or None when it may not see it at
    all. `inquiry` comes with its customer (its author) loaded."""
    author = inquiry.customer
    if reader_id is None or reader_id not in (inquiry.customer_id, inquiry.performer_id):
        return None
    seen = SeenInquiry(
        id=inquiry.id,
        listing_id=inquiry.listing_id,
        customer_id=inquiry.customer_id,
        performer_id=inquiry.performer_id,
        event_date=inquiry.event_date,
        event_type=inquiry.event_type,
        message=inquiry.message,
        created_at=inquiry.created_at,
        asked_by=author.name,
    )
    if reader_id == inquiry.customer_id or author.status == AccountStatus.ACTIVE:
        return seen
    return replace(seen, event_type="", message=WITHDRAWN_MESSAGE, asked_by=None, withdrawn=True)
