"""Booking inquiries: send one, and list those sent and received."""

from __future__ import annotations

from schema.context import Info
from schema.inquiries import (
    BookingInquiry,
    BookingInquiryConnection,
    BookingInquiryInput,
    BookingInquiryResult,
)
from services import inquiries


async def send_booking_inquiry(info: Info, input: BookingInquiryInput) -> BookingInquiryResult:
    """Asks a performer about an event; shares contact details both ways where each side
    consents."""
    customer = info.context.viewer.require_account()
    fields = inquiries.InquiryFields(
        listing_id=input.listing_id,
        event_date=input.event_date,
        event_type=input.event_type,
        message=input.message,
    )
    inquiry = await inquiries.send_inquiry(customer, fields, info.context.rate_limits)
    return BookingInquiry.from_seen(inquiry)


async def received_inquiries(
    info: Info, first: int = 20, after: str | None = None
) -> BookingInquiryConnection:
    """Booking inquiries about the caller's listings, newest first (session token, or API
    key with LISTINGS_READ)."""
    page = await inquiries.received_inquiries(
        info.context.viewer, first=first, after=after, maximum=info.context.settings.max_page_size
    )
    return BookingInquiryConnection.of(page, BookingInquiry.from_seen)


async def sent_inquiries(
    info: Info, first: int = 20, after: str | None = None
) -> BookingInquiryConnection:
    """Booking inquiries the caller sent, newest first (session token, or API key with
    LISTINGS_READ); each says whether the caller's details were shared."""
    page = await inquiries.sent_inquiries(
        info.context.viewer, first=first, after=after, maximum=info.context.settings.max_page_size
    )
    return BookingInquiryConnection.of(page, BookingInquiry.from_seen)
