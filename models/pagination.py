"""Keyset pagination behind every connection: newest first, by primary key.

Cursors are opaque to clients (base64 of the kind and the key) and a page never
scans what it skips, however deep it is.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.fields import BigIntField
from tortoise.queryset import QuerySet

from errors import BadUserInput
from models.ids import MAX_KEY, parse_id

T = TypeVar("T")
# The audit log and the outbox have 64-bit keys; other tables 32-bit ones (MAX_KEY).
MAX_WIDE_KEY = 2**63 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, maximum: int = MAX_KEY) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        found_kind, _, key = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        number = parse_id(key, maximum=maximum)
        if found_kind != kind or number is None:
            raise ValueError(cursor)
        return number
    except (ValueError, binascii.Error, UnicodeError):
        raise BadUserInput("after", "This cursor is not valid here.") from None


def check_page_size(first: int, maximum: int) -> None:
    if first < 0:
        raise BadUserInput("first", "`first` cannot be negative.")
    if first > maximum:
        raise BadUserInput("first", f"`first` can be at most {maximum}.")


async def keyset_page(
    query: QuerySet[T] | None, *, kind: str, first: int, after: str | None, maximum: int
) -> Page[T]:
    """A page of `query`, newest first. No query means the caller may see nothing: an
    empty page, after the same checks of the arguments, without asking the database."""
    check_page_size(first, maximum)
    # A key past the table's range was never issued (and PostgreSQL would refuse it).
    wide = query is not None and isinstance(query.model._meta.pk, BigIntField)
    largest = MAX_WIDE_KEY if wide else MAX_KEY
    key = decode_cursor(kind, after, largest) if after is not None else None
    if query is None:
        return Page(items=[], cursors=[], has_next_page=False)
    if key is not None:
        query = query.filter(id__lt=key)
    rows = await query.order_by("-id").limit(first + 1)
    items = rows[:first]
    return Page(
        items=items,
        cursors=[encode_cursor(kind, row.id) for row in items],
        has_next_page=len(rows) > first,
    )
