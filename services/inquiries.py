"""Booking inquiries: a customer (or a performer) asks a performer about an event,
and the performer reads what they were asked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from mailers.enqueue import enqueue_new_inquiry
from models import validation
from models.accounts import Account
from models.api_keys import ApiScope
from models.ids import parse_id
from models.pagination import Page
from models.sharing import BookingInquiry, inquiries_received, inquiries_sent
from privacy import sharing
from privacy.inquiries import SeenInquiry, as_seen_by
from privacy.viewer import Viewer
from rate_limits import RateLimits
from services import listings
from webhooks.enqueue import enqueue_inquiry_events


@dataclass(frozen=True)
class InquiryFields:
    listing_id: str
    event_date: str
    event_type: str
    message: str

    def validated(self) -> dict[str, str]:
        try:
            when = date.fromisoformat(self.event_date.strip())
        except ValueError:
            raise InvalidInput("eventDate", "Give the date as YYYY-MM-DD.") from None
        if when < datetime.now(UTC).date():
            raise InvalidInput("eventDate", "The event date has passed.")
        return {
            "event_date": when.isoformat(),
            "event_type": validation.text(self.event_type, "eventType", max_length=100),
            "message": validation.text(self.message, "message", max_length=5000, multiline=True),
        }


async def send_inquiry(
    customer: Account, fields: InquiryFields, rate_limits: RateLimits
) -> SeenInquiry:
    """Stores the inquiry and shares contact details each way where each side
    consents, with its mail and its webhook events, all in one transaction; nothing is
    stored if any check fails. The rate limit counts first, so that refused attempts
    count too. Answers the inquiry as its author sees it, as `sentInquiries` does."""
    await rate_limits.inquiry(customer.id, parse_id(fields.listing_id))
    sharing.ensure_may_inquire(customer)
    values = fields.validated()
    listing = await listings.public_listing(fields.listing_id)
    if listing is None:
        raise NotFoundError("This listing is not in the directory.")
    sharing.ensure_not_own_listing(customer, listing)
    await sharing.ensure_inquirer_shares(customer)
    async with in_transaction():
        inquiry = await BookingInquiry.create(
            customer=customer, listing_id=listing.id, performer_id=listing.owner_id, **values
        )
        performer = await Account.get(id=listing.owner_id)
        grants = await sharing.grants_due(inquiry, customer, performer)
        for grant in grants:  # at most two; saved one by one to learn their ids
            await grant.save()
        await enqueue_new_inquiry(
            inquiry, customer_shared=any(grant.owner_id == customer.id for grant in grants)
        )
        await enqueue_inquiry_events(inquiry, grants)
    return _seen(inquiry, customer)


def _seen(inquiry: BookingInquiry, reader: Account | None) -> SeenInquiry:
    """One of the reader's own inquiries (sent or received), as they may see it."""
    seen = as_seen_by(inquiry, reader.id if reader is not None else None)
    if seen is None:  # a bug: the queries read only the reader's own inquiries
        raise LookupError(f"inquiry {inquiry.id} is not its reader's")
    return seen


async def received_inquiries(
    viewer: Viewer, *, first: int, after: str | None, maximum: int
) -> Page[SeenInquiry]:
    """Inquiries about the viewer's listings, newest first (a session, or an API key
    with LISTINGS_READ), each as the performer may still see it."""
    performer = viewer.account_for(ApiScope.LISTINGS_READ)
    page = await inquiries_received(performer, first=first, after=after, maximum=maximum)
    return replace(page, items=[_seen(row, performer) for row in page.items])


async def sent_inquiries(
    viewer: Viewer, *, first: int, after: str | None, maximum: int
) -> Page[SeenInquiry]:
    """Inquiries the viewer sent, newest first (a session, or an API key with
    LISTINGS_READ: the same scope that reads the inquiries of one's bookings), each as
    its author sees it."""
    customer = viewer.account_for(ApiScope.LISTINGS_READ)
    page = await inquiries_sent(customer, first=first, after=after, maximum=maximum)
    return replace(page, items=[_seen(row, customer) for row in page.items])
