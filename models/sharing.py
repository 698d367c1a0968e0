"""Booking inquiries and the contact grants they create; their pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

from models.pagination import Page, keyset_page

if TYPE_CHECKING:
    from models.accounts import Account
    from models.listings import Listing


class BookingInquiry(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="inquiries_sent", on_delete=fields.CASCADE
    )
    listing: fields.ForeignKeyRelation[Listing] = fields.ForeignKeyField(
        "models.Listing", related_name="inquiries", on_delete=fields.CASCADE
    )
    # The listing's owner when asked; kept so that the inquiry stays with them.
    performer: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="inquiries_received", on_delete=fields.CASCADE
    )
    event_date = fields.CharField(max_length=10)
    event_type = fields.CharField(max_length=100)
    message = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_inquiry"
        indexes = (("performer_id", "id"), ("customer_id", "id"))


class ContactGrant(Model):
    """The owner's contact details may be read by the recipient, while in force
    (see privacy/sharing.py for what keeps a grant in force)."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="grants_given", on_delete=fields.CASCADE
    )
    recipient: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="grants_received", on_delete=fields.CASCADE
    )
    inquiry: fields.ForeignKeyRelation[BookingInquiry] = fields.ForeignKeyField(
        "models.BookingInquiry", related_name="grants", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    # Where the grant stands in partners' syncs, kept by database triggers (migration
    # 0016_partner_sync) so that no code path can forget them: a number from the sync
    # clock (SyncClock), taken anew, with the time, when the grant is made and whenever
    # its owner's name, email or phone changes while it is live.
    change_seq = fields.BigIntField(null=True)
    changed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "contact_grant"
        indexes = (("recipient_id", "id"), ("owner_id", "id"), ("recipient_id", "change_seq"))


class ShareEnded(Model):
    """A share that ended: revoked by its owner, consent withdrawn, an account cancelled
    or erased, or the grant deleted with its inquiry. Written by database triggers on
    contact_grant (migration 0016_partner_sync) in the transaction that ended it, for
    the recipient's withdrawals feed, so that a partner deletes what it copied. It names
    the share and when it ended, nothing about the owner; it goes with the recipient's
    account."""

    id = fields.BigIntField(primary_key=True)
    # From the sync clock: the order in which the endings were committed.
    seq = fields.BigIntField()
    grant_id = fields.IntField()
    recipient: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    ended_at = fields.DatetimeField()
    # Whether the webhook worker has queued its SHARE_ENDED deliveries.
    webhooks_queued = fields.BooleanField(default=False)

    class Meta:
        table = "share_ended"
        indexes = (("recipient_id", "seq"), ("webhooks_queued", "id"))


class SyncClock(Model):
    """One row, one number, counted up by the triggers for each change of a share.
    A transaction takes the row when it changes a share and holds it until it commits,
    so the numbers are handed out in commit order: a partner's cursor never skips a
    change that committed after a later-numbered one (the sync race of timestamps). The
    price is that changes of shares commit one at a time, which their rate allows."""

    id = fields.IntField(primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "sync_clock"


async def end_grants_given(owner_id: int) -> int:
    """Revokes every live grant of the owner's details; returns how many."""
    return await ContactGrant.filter(owner_id=owner_id, revoked_at=None).update(
        revoked_at=datetime.now(UTC)
    )


SHARED_CONTACT_CURSOR = "contact"
INQUIRY_CURSOR = "inquiry"


async def grants_to(
    recipient: Account | None,
    in_force: Q,
    *,
    first: int,
    after: str | None,
    maximum: int,
    listing_id: int | None = None,
) -> Page[ContactGrant]:
    """The recipient's grants that pass `in_force` (the rule of privacy/sharing.py, kept
    in the SQL so pages never count hidden grants), newest first, with their owners;
    only those of inquiries about one listing when `listing_id` is given. Nobody (None)
    is shared nothing."""
    query = (
        ContactGrant.filter(in_force, recipient_id=recipient.id).select_related("owner")
        if recipient is not None
        else None
    )
    if query is not None and listing_id is not None:
        query = query.filter(inquiry__listing_id=listing_id)
    return await keyset_page(
        query, kind=SHARED_CONTACT_CURSOR, first=first, after=after, maximum=maximum
    )


async def inquiries_received(
    performer: Account | None, *, first: int, after: str | None, maximum: int
) -> Page[BookingInquiry]:
    """Inquiries about the performer's listings, newest first, with their authors."""
    query = (
        BookingInquiry.filter(performer_id=performer.id).select_related("customer")
        if performer is not None
        else None
    )
    return await keyset_page(query, kind=INQUIRY_CURSOR, first=first, after=after, maximum=maximum)


async def inquiries_sent(
    customer: Account | None, *, first: int, after: str | None, maximum: int
) -> Page[BookingInquiry]:
    """Inquiries the customer sent, newest first, with their author. Nobody (None) sent
    nothing."""
    query = (
        BookingInquiry.filter(customer_id=customer.id).select_related("customer")
        if customer is not None
        else None
    )
    return await keyset_page(query, kind=INQUIRY_CURSOR, first=first, after=after, maximum=maximum)


async def inquiries_with_author_shared(inquiry_ids: list[int], in_force: Q) -> set[int]:
    """Of these inquiries, those whose author's details are shared by a grant that passes
    `in_force` (the rule of privacy/sharing.py): one statement for any number of them."""
    rows = await ContactGrant.filter(in_force, inquiry_id__in=inquiry_ids).values_list(
        "inquiry_id", "owner_id", "inquiry__customer_id"
    )
    return {inquiry for inquiry, owner, author in rows if owner == author}
