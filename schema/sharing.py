"""Shared contacts: who has my details (ContactShare, seen by the owner) and whose
details I have (SharedContact, seen by the recipient), and the partners' feed of ended
shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from models.sharing import ContactGrant
from models.sharing import ShareEnded as ShareEndedRow
from models.sync import ContactsPage
from privacy.inquiries import as_seen_by
from schema.context import Info
from schema.errors import NotAuthorized, NotFound
from schema.inquiries import BookingInquiry
from schema.pagination import Connection


@strawberry.type(description="Seen by the owner of the data: who has my contact details, and why.")
class ContactShare:
    id: strawberry.ID
    recipient_name: str
    reason: str
    shared_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, grant: ContactGrant) -> ContactShare:
        """`grant` comes with its recipient and its inquiry's listing."""
        inquiry, title = grant.inquiry, grant.inquiry.listing.title
        if grant.owner_id == inquiry.customer_id:
            reason = f"You sent a booking inquiry about “{title}” for {inquiry.event_date}."
        else:
            reason = (
                f"{grant.recipient.name} sent a booking inquiry about your listing “{title}” "
                f"for {inquiry.event_date}."
            )
        return cls(
            id=strawberry.ID(str(grant.id)),
            recipient_name=grant.recipient.name,
            reason=reason,
            shared_at=grant.created_at,
            revoked_at=grant.revoked_at,
        )


@strawberry.type(description="Seen by the recipient: a contact someone shared with me.")
class SharedContact:
    id: strawberry.ID
    name: str
    email: str
    phone: str | None
    shared_at: datetime
    inquiry_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, grant: ContactGrant) -> SharedContact:
        """`grant` comes with its owner, whose details these are."""
        return cls(
            id=strawberry.ID(str(grant.id)),
            name=grant.owner.name,
            email=grant.owner.email,
            phone=grant.owner.phone,
            shared_at=grant.created_at,
            inquiry_id=grant.inquiry_id,
        )

    @strawberry.field
    async def inquiry(self, info: Info) -> BookingInquiry | None:
        row = await info.context.loaders.inquiry.load(self.inquiry_id)
        reader = info.context.viewer.account
        seen = as_seen_by(row, reader.id if reader else None) if row else None
        return BookingInquiry.from_seen(seen) if seen else None


@strawberry.type(
    description="Contacts shared with me. In a sync (`changedSince` or `syncCursor` "
    "given) they come in the order they changed, oldest change first, and `syncCursor` "
    "is where the next sync starts."
)
class SharedContactConnection(Connection[SharedContact]):
    sync_cursor: str | None = strawberry.field(
        description="In a sync: keep it, and pass it as `syncCursor` next time to get "
        "only what changed since. It moves to the end of what this page read, or once "
        "there is no next page, to now. Null outside a sync."
    )
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="How many contacts the whole connection holds (every page; in a sync, "
        "every change from where it starts): one count in the database, made only when "
        "asked."
    )
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of_page(cls, page: ContactsPage) -> SharedContactConnection:
        plain = Connection.of(page, SharedContact.from_row)
        return cls(
            edges=plain.edges,
            page_info=plain.page_info,
            sync_cursor=page.sync_cursor,
            count=page.total,
        )


@strawberry.type(
    description="A share with me that ended: its owner revoked it or withdrew their "
    "consent, or an account closed. Delete what you copied of it."
)
class ShareWithdrawal:
    share_id: strawberry.ID = strawberry.field(
        description="The `id` the contact had in `sharedContacts`."
    )
    ended_at: datetime

    @classmethod
    def from_row(cls, row: ShareEndedRow) -> ShareWithdrawal:
        return cls(share_id=strawberry.ID(str(row.grant_id)), ended_at=row.ended_at)


ShareWithdrawalConnection = Connection[ShareWithdrawal]


ContactShareResult = Annotated[
    ContactShare | NotAuthorized | NotFound, strawberry.union("ContactShareResult")
]
