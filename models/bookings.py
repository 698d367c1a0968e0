"""Booking inquiries, and reading the contacts they shared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from mailers.enqueue import enqueue_new_inquiry
from models import validation
from models.accounts import Account
from models.directory import public_listing
from models.pagination import Page, keyset_page
from models.sharing import BookingInquiry, ContactGrant
from privacy import sharing

SHARED_CONTACT_CURSOR = "contact"
INQUIRY_CURSOR = "inquiry"


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
            "message": validation.text(
                self.message, "message", max_length=5000, multiline=True
            ),
        }


async def send_inquiry(customer: Account, fields: InquiryFields) -> BookingInquiry:
    """Stores the inquiry and shares contact details each way where each side
    consents, all in one transaction; nothing is stored if any check fails."""
    sharing.ensure_may_inquire(customer)
    values = fields.validated()
    listing = await public_listing(fields.listing_id)
    if listing is None:
        raise NotFoundError("This listing is not in the directory.")
    sharing.ensure_not_own_listing(customer, listing)
    await sharing.ensure_inquirer_shares(customer)
    async with in_transaction():
        inquiry = await BookingInquiry.create(
            customer_id=customer.id, listing_id=listing.id, performer_id=listing.owner_id, **values
        )
        performer = await Account.get(id=listing.owner_id)
        grants = await sharing.grant_both_ways(inquiry, customer, performer)
        await enqueue_new_inquiry(
            inquiry, customer_shared=any(grant.owner_id == customer.id for grant in grants)
        )
    return inquiry


async def shared_with(
    recipient: Account | None, *, first: int, after: str | None, maximum: int
) -> Page[ContactGrant]:
    """The grants in force whose details the recipient may read, newest first."""
    query = (
        ContactGrant.filter(sharing.in_force(), recipient_id=recipient.id).select_related("owner")
        if recipient is not None
        else None
    )
    return await keyset_page(
        query, kind=SHARED_CONTACT_CURSOR, first=first, after=after, maximum=maximum
    )


async def received_inquiries(
    performer: Account | None, *, first: int, after: str | None, maximum: int
) -> Page[BookingInquiry]:
    query = (
        BookingInquiry.filter(performer_id=performer.id).select_related("customer")
        if performer is not None
        else None
    )
    return await keyset_page(query, kind=INQUIRY_CURSOR, first=first, after=after, maximum=maximum)
