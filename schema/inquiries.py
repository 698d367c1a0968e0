"""Booking inquiries: what a customer asks a performer, as each reader may see it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from privacy.inquiries import SeenInquiry
from schema.context import Info
from schema.errors import ConsentRequired, NotAuthorized, NotFound, RateLimited, ValidationError
from schema.listings import Listing
from schema.pagination import Connection


@strawberry.type(
    description="Who sent an inquiry: a name only. Contact details are shared, with "
    "consent, only through `sharedContacts`."
)
class InquiryAuthor:
    name: str


@strawberry.type
class BookingInquiry:
    id: strawberry.ID
    event_date: str
    event_type: str
    message: str
    created_at: datetime
    asked_by: InquiryAuthor | None = strawberry.field(
        description="Who asked, as the reader may see it (the performer it was sent to, "
        "or its author): null once its author closed their account."
    )
    listing_id: strawberry.Private[int]

    @classmethod
    def from_seen(cls, seen: SeenInquiry) -> BookingInquiry:
        """An inquiry only as its reader may see it (privacy/inquiries.as_seen_by)."""
        return cls(
            id=strawberry.ID(str(seen.id)),
            event_date=seen.event_date,
            event_type=seen.event_type,
            message=seen.message,
            created_at=seen.created_at,
            asked_by=InquiryAuthor(name=seen.asked_by) if seen.asked_by is not None else None,
            listing_id=seen.listing_id,
        )

    @strawberry.field
    async def listing(self, info: Info) -> Listing:
        return Listing.from_row(await info.context.loaders.listing.load(self.listing_id))

    @strawberry.field(
        description="Whether its author's contact details are shared with the performer: "
        "a share of theirs for this inquiry that is in force (not withdrawn, consent "
        "still given, account still open)."
    )
    async def details_shared(self, info: Info) -> bool:
        return await info.context.loaders.author_shared.load(int(self.id))


BookingInquiryConnection = Connection[BookingInquiry]


@strawberry.input
class BookingInquiryInput:
    listing_id: strawberry.ID
    event_date: str
    event_type: str
    message: str


BookingInquiryResult = Annotated[
    BookingInquiry | ConsentRequired | ValidationError | NotAuthorized | NotFound | RateLimited,
    strawberry.union("BookingInquiryResult"),
]
