"""Partners' syncs: the pages of changed contacts and of ended shares, each in the
order of the sync clock (models/sharing.SyncClock), with cursors that name the position
reached, whose it is, and the filter it was reached under.

The clock counts in commit order, so a position is safe to keep: every change after it
has a larger number, whenever it commits. A page asks the clock before it reads, so a
sync that reached the end may keep the clock's value as its position even when nothing
of its own changed: every change numbered up to it had committed, and was read.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tortoise.expressions import Q

from errors import BadUserInput
from models.pagination import Page, check_page_size
from models.sharing import ContactGrant, ShareEnded, SyncClock

if TYPE_CHECKING:
    from models.accounts import Account

SYNC_KIND = "sync"
WITHDRAWAL_KIND = "withdrawal"
# A position is 0 (before anything) or a number the clock handed out (64-bit).
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
_MAX_POSITION = 2**63 - 1


@dataclass(frozen=True)
class ContactsPage(Page[ContactGrant]):
    """A page of shared contacts (its grants come with their owners)."""

    # Where the next sync starts: None outside a sync.
    sync_cursor: str | None = None
    # Counts the contacts of the whole connection (every page), one COUNT when called.
    total: Callable[[], Awaitable[int]] | None = None


def encode_position(kind: str, recipient_id: int, listing_id: int | None, seq: int) -> str:
    raw = f"{kind}:{recipient_id}:{listing_id or 0}:{seq}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_position(
    kind: str, cursor: str, recipient_id: int, listing_id: int | None, *, argument: str
) -> int:
    """The position a cursor of ours names. A cursor of another kind, of another person,
    or reached under another listing filter is refused like a forged one: resuming from
    it would skip what this caller has not seen."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        if len(parts) != 4 or parts[0] != kind or not all(_NUMBER.fullmatch(p) for p in parts[1:]):
            raise ValueError(cursor)
        owner, listing, seq = (int(part) for part in parts[1:])
        if owner != recipient_id or listing != (listing_id or 0) or seq > _MAX_POSITION:
            raise ValueError(cursor)
        return seq
    except (ValueError, binascii.Error, UnicodeError):
        raise BadUserInput(argument, "This cursor is not valid here.") from None


async def clock() -> int:
    row = await SyncClock.get_or_none(id=1)
    return row.value if row is not None else 0


def _grants_to(recipient: Account, in_force: Q, listing_id: int | None) -> Q:
    condition = in_force & Q(recipient_id=recipient.id)
    if listing_id is not None:
        condition &= Q(inquiry__listing_id=listing_id)
    return condition


async def contacts_changed(
    recipient: Account | None,
    in_force: Q,
    *,
    first: int,
    maximum: int,
    start: str | None,
    after: str | None,
    since: datetime | None,
    listing_id: int | None,
) -> ContactsPage:
    """The recipient's contacts that pass `in_force` (the rule of privacy/sharing.py, in
    the SQL) and changed after the position `start` names and at or after `since`, in
    the order of the clock, with their owners; `after` pages on within them. Nobody
    (None) is shared nothing, after the same checks of the arguments."""
    check_page_size(first, maximum)
    me = recipient.id if recipient is not None else 0

    def position_of(cursor: str | None, argument: str) -> int:
        if cursor is None:
            return 0
        return decode_position(SYNC_KIND, cursor, me, listing_id, argument=argument)

    start_at, after_at = position_of(start, "syncCursor"), position_of(after, "after")
    if recipient is None:
        return ContactsPage(items=[], cursors=[], has_next_page=False, total=_nothing)
    # The connection: every change after the start; `after` only pages within it.
    condition = _grants_to(recipient, in_force, listing_id) & Q(change_seq__gt=start_at)
    if since is not None:
        condition &= Q(changed_at__gte=since)
    position = max(start_at, after_at)
    # Asked before the rows are read: every change numbered up to it has committed.
    reached = await clock()
    rows = (
        await ContactGrant.filter(condition, change_seq__gt=position)
        .select_related("owner")
        .order_by("change_seq")
        .limit(first + 1)
    )
    items = rows[:first]
    has_next_page = len(rows) > first
    last = items[-1].change_seq if items else position
    # At the end, the clock's value: nothing up to it is left unread.
    keep = last if has_next_page else max(last, reached)
    return ContactsPage(
        items=items,
        cursors=[encode_position(SYNC_KIND, me, listing_id, row.change_seq) for row in items],
        has_next_page=has_next_page,
        sync_cursor=encode_position(SYNC_KIND, me, listing_id, keep),
        total=ContactGrant.filter(condition).count,
    )


async def _nothing() -> int:
    return 0


def contacts_count(
    recipient: Account | None, in_force: Q, listing_id: int | None
) -> Callable[[], Awaitable[int]]:
    """One COUNT of the recipient's contacts in force (under the listing filter), for
    `totalCount` outside a sync; nothing for nobody."""
    if recipient is None:
        return _nothing
    return ContactGrant.filter(_grants_to(recipient, in_force, listing_id)).count


async def endings(
    recipient: Account | None, *, first: int, after: str | None, maximum: int
) -> Page[ShareEnded]:
    """The shares with the recipient that ended, in the order the endings committed,
    after the position `after` names."""
    check_page_size(first, maximum)
    me = recipient.id if recipient is not None else 0
    position = (
        decode_position(WITHDRAWAL_KIND, after, me, None, argument="after")
        if after is not None
        else 0
    )
    if recipient is None:
        return Page(items=[], cursors=[], has_next_page=False)
    rows = (
        await ShareEnded.filter(recipient_id=recipient.id, seq__gt=position)
        .order_by("seq")
        .limit(first + 1)
    )
    items = rows[:first]
    return Page(
        items=items,
        cursors=[encode_position(WITHDRAWAL_KIND, me, None, row.seq) for row in items],
        has_next_page=len(rows) > first,
    )
