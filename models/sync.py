"""Partners' syncs: the pages of changed contacts and of ended shares, each in the
order of the sync clock (models/sharing.SyncClock), with cursors that name the position
reached, whose it is, and the filter it was reached under.

The clock counts in commit order, so a position is safe to keep: every change after it
has a larger number, whenever it commits. A page asks the clock before it reads, so a
sync that reached the end may keep the clock's value as its position even when nothing
of its own changed: every change numbered up to it had committed, and was read.

A cursor is encrypted with the ENCRYPTION_KEYS keyring (Fernet: encrypted and
authenticated), like the ad audience's: it names an account and a place in the one clock
every partner shares, neither of which its holder needs to read, and nobody can forge
one. It also records when it was handed out, because the withdrawals feed forgets
endings after WITHDRAWAL_RETENTION_DAYS (services/retention.py): a cursor from before
what the feed still keeps would skip endings its holder never read, so it is refused
("resync needed") rather than answered as if nothing had ended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from cryptography.fernet import InvalidToken
from tortoise.expressions import Q

import encryption
from errors import BadUserInput
from models.pagination import Page, check_page_size
from models.sharing import ContactGrant, ShareEnded, SyncClock

if TYPE_CHECKING:
    from models.accounts import Account

SYNC_KIND = "sync"
WITHDRAWAL_KIND = "withdrawal"
_MAX_POSITION = 2**63 - 1
# Longer than any cursor `encode_position` makes; anything longer is not one.
MAX_CURSOR_LENGTH = 400
# An ending's time is taken when its transaction begins and its number when it commits:
# the one may come before the other by as long as a transaction runs, at most this.
IN_FLIGHT = timedelta(hours=1)
NOT_OURS = "This cursor is not valid here."


@dataclass(frozen=True)
class Position:
    """What a cursor holds (encrypted): the place reached in the clock's order, when the
    cursor was handed out (whole seconds since the epoch), and, for the withdrawals
    feed, the clock then and how many of the reader's endings numbered up to it were
    still unread after `seq` (if fewer are left when it comes back, some were purged)."""

    seq: int
    issued: int
    clock: int = 0
    unread: int = 0


@dataclass(frozen=True)
class ContactsPage(Page[ContactGrant]):
    """A page of shared contacts (its grants come with their owners)."""

    # Where the next sync starts: None outside a sync.
    sync_cursor: str | None = None
    # Counts the contacts of the whole connection (every page), one COUNT when called.
    total: Callable[[], Awaitable[int]] | None = None


@dataclass(frozen=True)
class EndingsPage(Page[ShareEnded]):
    """A page of the withdrawals feed. At its end `end_cursor` is never None: a page with
    nothing new answers a cursor at "now", so that a reader who keeps polling always
    holds a recent cursor, one the feed has forgotten nothing after."""

    resume_cursor: str | None = None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else self.resume_cursor


def encode_position(
    kind: str, recipient_id: int, listing_id: int | None, position: Position
) -> str:
    fields = (
        kind,
        recipient_id,
        listing_id or 0,
        position.seq,
        position.issued,
        position.clock,
        position.unread,
    )
    return encryption.encrypt(":".join(str(field) for field in fields))


def decode_position(
    kind: str, cursor: str, recipient_id: int, listing_id: int | None, *, argument: str
) -> Position:
    """The position a cursor of ours names. A cursor of another kind, of another person,
    or reached under another listing filter is refused like a forged one: resuming from
    it would skip what this caller has not seen."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH or not cursor.startswith(encryption.FERNET_PREFIX):
            raise ValueError(cursor)
        parts = encryption.decrypt(cursor).split(":")
        if len(parts) != 7 or parts[0] != kind:
            raise ValueError(cursor)
        owner, listing, seq, issued, clock_then, unread = (int(part) for part in parts[1:])
        if owner != recipient_id or listing != (listing_id or 0):
            raise ValueError(cursor)
        if not 0 <= seq <= _MAX_POSITION or not 0 <= clock_then <= _MAX_POSITION:
            raise ValueError(cursor)
        return Position(seq=seq, issued=issued, clock=clock_then, unread=unread)
    except (ValueError, InvalidToken, UnicodeError):
        raise BadUserInput(argument, NOT_OURS) from None


def _resync_needed(argument: str, kept_days: int, why: str) -> BadUserInput:
    return BadUserInput(
        argument,
        f"Resync needed: {why}, and the withdrawals feed keeps an ending {kept_days} days. "
        "Start again from an empty copy: a full sharedContacts read, then "
        "sharedContactWithdrawals from its start.",
    )


def ensure_recent(position: Position, kept_days: int, *, argument: str) -> None:
    """Refuses a cursor handed out before what the feed keeps: an ending after it may
    have been purged (ended at most IN_FLIGHT before the cursor was handed out)."""
    oldest_kept = datetime.now(UTC) - timedelta(days=kept_days) + IN_FLIGHT
    if position.issued < oldest_kept.timestamp():
        raise _resync_needed(argument, kept_days, "this cursor is older than that")


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
    kept_days: int,
) -> ContactsPage:
    """The recipient's contacts that pass `in_force` (the rule of privacy/sharing.py, in
    the SQL) and changed after the position `start` names and at or after `since`, in
    the order of the clock, with their owners; `after` pages on within them. Nobody
    (None) is shared nothing, after the same checks of the arguments. A cursor older
    than `kept_days` (WITHDRAWAL_RETENTION_DAYS) is refused: its holder's copy may keep
    contacts whose ending the withdrawals feed no longer lists."""
    check_page_size(first, maximum)
    me = recipient.id if recipient is not None else 0

    def position_of(cursor: str | None, argument: str) -> int:
        if cursor is None:
            return 0
        position = decode_position(SYNC_KIND, cursor, me, listing_id, argument=argument)
        ensure_recent(position, kept_days, argument=argument)
        return position.seq

    start_at, after_at = position_of(start, "syncCursor"), position_of(after, "after")
    if recipient is None:
        return ContactsPage(items=[], cursors=[], has_next_page=False, total=_nothing)
    # The connection: every change after the start; `after` only pages within it.
    condition = _grants_to(recipient, in_force, listing_id) & Q(change_seq__gt=start_at)
    if since is not None:
        condition &= Q(changed_at__gte=since)
    position = max(start_at, after_at)
    issued = int(datetime.now(UTC).timestamp())
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

    def cursor(seq: int) -> str:
        return encode_position(SYNC_KIND, me, listing_id, Position(seq=seq, issued=issued))

    return ContactsPage(
        items=items,
        cursors=[cursor(row.change_seq) for row in items],
        has_next_page=has_next_page,
        sync_cursor=cursor(keep),
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
    recipient: Account | None, *, first: int, after: str | None, maximum: int, kept_days: int
) -> EndingsPage:
    """The shares with the recipient that ended, in the order the endings committed,
    after the position `after` names. A cursor after which the purge took endings (they
    ended more than `kept_days` ago, WITHDRAWAL_RETENTION_DAYS) is refused, never
    answered as if those had not happened."""
    check_page_size(first, maximum)
    me = recipient.id if recipient is not None else 0
    position = (
        decode_position(WITHDRAWAL_KIND, after, me, None, argument="after")
        if after is not None
        else None
    )
    if recipient is None:
        return EndingsPage(items=[], cursors=[], has_next_page=False)
    if position is not None:
        await _ensure_nothing_purged(recipient, position, kept_days)
    start = position.seq if position is not None else 0
    issued = int(datetime.now(UTC).timestamp())
    # Asked before the rows are read: every ending numbered up to it has committed.
    reached = await clock()
    mine = ShareEnded.filter(recipient_id=recipient.id)
    rows = await mine.filter(seq__gt=start).order_by("seq").limit(first + 1)
    items = rows[:first]
    has_next_page = len(rows) > first
    # How many endings numbered up to the clock are still unread after each item: on the
    # last page, those of the page; with more to come, a COUNT says.
    unread = (
        await mine.filter(seq__gt=start, seq__lte=reached).count()
        if has_next_page
        else sum(1 for row in items if row.seq <= reached)
    )
    cursors = []
    for row in items:
        if row.seq <= reached:
            unread -= 1
        place = Position(seq=row.seq, issued=issued, clock=reached, unread=unread)
        cursors.append(encode_position(WITHDRAWAL_KIND, me, None, place))
    # Nothing new: a cursor at the clock, handed out now (every ending up to it was read).
    at_clock = Position(seq=max(start, reached), issued=issued, clock=reached)
    return EndingsPage(
        items=items,
        cursors=cursors,
        has_next_page=has_next_page,
        resume_cursor=None if items else encode_position(WITHDRAWAL_KIND, me, None, at_clock),
    )


async def _ensure_nothing_purged(recipient: Account, position: Position, kept_days: int) -> None:
    """The endings after `position` are all still here: those that had committed when it
    was handed out are counted again (only the purge deletes one), and any later one
    ended after it was handed out, less IN_FLIGHT, so it is kept while the cursor is."""
    ensure_recent(position, kept_days, argument="after")
    if position.unread:
        left = await ShareEnded.filter(
            recipient_id=recipient.id, seq__gt=position.seq, seq__lte=position.clock
        ).count()
        if left < position.unread:
            raise _resync_needed(
                "after",
                kept_days,
                "endings after this cursor that you had not read were purged",
            )
