"""Contact sharing: reading the contacts shared with you (every read audited), as pages
or as a partner's sync, the feed of shares with you that ended, and withdrawing a share
of your own details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from errors import BadUserInput
from models.accounts import Account
from models.api_keys import ApiScope
from models.audit import insert_audit_events
from models.ids import parse_id
from models.pagination import Page
from models.revocation import revoke_owned
from models.sharing import ContactGrant, ShareEnded, grants_to
from models.sync import ContactsPage, contacts_changed, contacts_count, endings
from privacy import sharing
from privacy.viewer import Viewer


@dataclass(frozen=True)
class SyncArguments:
    """What narrows `sharedContacts` for a partner's sync. Either of `changed_since` and
    `sync_cursor` makes it a sync: contacts in the order they changed, oldest change
    first, with a cursor to keep for the next one."""

    changed_since: datetime | None = None
    sync_cursor: str | None = None
    listing_id: str | None = None

    @property
    def is_sync(self) -> bool:
        return self.changed_since is not None or self.sync_cursor is not None


async def shared_contacts(
    viewer: Viewer,
    *,
    first: int,
    after: str | None,
    maximum: int,
    kept_days: int,
    sync: SyncArguments = SyncArguments(),  # noqa: B008 (frozen, never changed)
) -> ContactsPage:
    """The grants in force whose details the viewer may read (a session, or an API key
    with CONTACTS_READ): newest first, or in a sync in the order they changed; each
    read is written to the audit log. A sync cursor older than `kept_days`
    (WITHDRAWAL_RETENTION_DAYS) is refused: resync needed."""
    if sync.changed_since is not None and sync.sync_cursor is not None:
        raise BadUserInput("syncCursor", "Give changedSince or syncCursor, not both.")
    recipient = viewer.account_for(ApiScope.CONTACTS_READ)
    listing_id = parse_id(sync.listing_id) if sync.listing_id is not None else None
    if sync.listing_id is not None and listing_id is None:
        recipient = None  # an id that is not ours names no listing: nothing is shared
    in_force = sharing.in_force()
    if sync.is_sync:
        page = await contacts_changed(
            recipient,
            in_force,
            first=first,
            maximum=maximum,
            start=sync.sync_cursor,
            after=after,
            since=_utc(sync.changed_since),
            listing_id=listing_id,
            kept_days=kept_days,
        )
    else:
        found = await grants_to(
            recipient, in_force, first=first, after=after, maximum=maximum, listing_id=listing_id
        )
        page = ContactsPage(
            items=found.items,
            cursors=found.cursors,
            has_next_page=found.has_next_page,
            total=contacts_count(recipient, in_force, listing_id),
        )
    reads = sharing.reads_to_audit(viewer, page.items)
    if reads:
        await insert_audit_events(reads)
    return page


def _utc(moment: datetime | None) -> datetime | None:
    """A time given without an offset is taken as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


async def withdrawals(
    viewer: Viewer, *, first: int, after: str | None, maximum: int, kept_days: int
) -> Page[ShareEnded]:
    """The shares with the viewer that ended (a session, or an API key with
    CONTACTS_READ), in the order they ended: what a partner must delete. A cursor after
    which endings were purged (older than `kept_days`) is refused: resync needed."""
    recipient = viewer.account_for(ApiScope.CONTACTS_READ)
    return await endings(recipient, first=first, after=after, maximum=maximum, kept_days=kept_days)


async def revoke_share(owner: Account, grant_id: str) -> ContactGrant:
    """Only the owner withdraws a share of their details: another person's id names
    nothing. Answers the grant with its recipient and listing, to show what stopped."""
    grant = await revoke_owned(
        ContactGrant, parse_id(grant_id), owner.id, "No such share of your details."
    )
    await grant.fetch_related("recipient", "inquiry__listing")
    return grant
