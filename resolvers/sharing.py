"""Booking inquiries, shared contacts and the owner's control over them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.context import Info
from schema.sharing import (
    ContactShare,
    ContactShareResult,
    SharedContactConnection,
    ShareWithdrawal,
    ShareWithdrawalConnection,
)
from services import sharing


async def shared_contacts(
    info: Info,
    first: int = 50,
    after: str | None = None,
    changed_since: Annotated[
        datetime | None,
        strawberry.argument(
            description="A sync from a time: the contacts that changed at or after it "
            "(shared, or their owner's name, email or phone changed). Prefer `syncCursor`, "
            "which never misses a change that committed late."
        ),
    ] = None,
    sync_cursor: Annotated[
        str | None,
        strawberry.argument(
            description="A sync from where the last one ended: the `syncCursor` it answered. "
            "Not with `changedSince`."
        ),
    ] = None,
    listing_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="Only the contacts of inquiries about this listing (a cursor "
            "belongs to the listing it was read under)."
        ),
    ] = None,
) -> SharedContactConnection:
    """Contacts shared with the caller (session token, or API key with CONTACTS_READ) whose
    sharing is still in force: newest first, or in a sync in the order they changed."""
    page = await sharing.shared_contacts(
        info.context.viewer,
        first=first,
        after=after,
        maximum=info.context.settings.max_page_size,
        kept_days=info.context.settings.withdrawal_retention_days,
        sync=sharing.SyncArguments(
            changed_since=changed_since, sync_cursor=sync_cursor, listing_id=listing_id
        ),
    )
    return SharedContactConnection.of_page(page)


async def shared_contact_withdrawals(
    info: Info, first: int = 50, after: str | None = None
) -> ShareWithdrawalConnection:
    """Shares with the caller that ended, oldest first (session token, or API key with
    CONTACTS_READ): keep `pageInfo.endCursor` (at the end, never null) and pass it as
    `after` next time."""
    settings = info.context.settings
    page = await sharing.withdrawals(
        info.context.viewer,
        first=first,
        after=after,
        maximum=settings.max_page_size,
        kept_days=settings.withdrawal_retention_days,
    )
    return ShareWithdrawalConnection.of(page, ShareWithdrawal.from_row)


async def revoke_contact_share(info: Info, id: strawberry.ID) -> ContactShareResult:
    """Withdraws one share of the caller's contact details; the recipient no longer sees
    them."""
    owner = info.context.viewer.require_account()
    return ContactShare.from_row(await sharing.revoke_share(owner, id))
