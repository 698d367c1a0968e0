"""Privacy requests: what a person asked of us about their data (access, correction,
deletion, objection, a question), when it was received, by when it must be answered,
and how it ended. Erased with the person's account (ON DELETE CASCADE), so a legal hold
on the account keeps them too.

Which requests are open, and whose a viewer may see, are rules of
privacy/privacy_requests.py, passed in here as SQL predicates."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

from errors import BadUserInput
from models.ids import parse_id
from models.pagination import Page, check_page_size, keyset_page

if TYPE_CHECKING:
    from models.accounts import Account


class PrivacyRequestKind(StrEnum):
    ACCESS = "ACCESS"
    CORRECTION = "CORRECTION"
    DELETION = "DELETION"
    OBJECTION = "OBJECTION"
    QUESTION = "QUESTION"


class PrivacyRequestSource(StrEnum):
    """How the request reached us: filed by the person, or entered by staff from a
    mail, a call or a letter."""

    SELF_SERVICE = "SELF_SERVICE"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    POST = "POST"


class PrivacyRequestStatus(StrEnum):
    RECEIVED = "RECEIVED"
    # The acknowledgement (reference, due date) is queued to the person.
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    REJECTED = "REJECTED"


# Crockford's base 32: no I, L, O or U, so a reference read out on the phone is not
# misheard. Eight characters are 40 random bits: a caller cannot guess someone else's
# ("I'm calling about PR-2026-000124"), and a mail or a letter quoting one tells nobody
# how many requests came before it. The GraphQL id stays the row's key, as for every
# other type: the person's own client sees how far apart their two requests are, which
# we judged no secret worth a second key scheme.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"PR-{code[:4]}-{code[4:]}"


class PrivacyRequest(Model):
    id = fields.IntField(primary_key=True)
    reference = fields.CharField(max_length=16, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="privacy_requests", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(PrivacyRequestKind, max_length=16)
    source = fields.CharEnumField(PrivacyRequestSource, max_length=16)
    message = fields.TextField()
    status = fields.CharEnumField(
        PrivacyRequestStatus, max_length=16, default=PrivacyRequestStatus.RECEIVED
    )
    # The outcome note (resolved) or the reason (rejected); the person sees it.
    reason = fields.TextField(null=True)
    # Staff who entered a request received by mail, phone or post; null when self-service.
    filed_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Staff who closed it.
    closed_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # The deadline runs from receipt, which for a letter may be before it was entered.
    received_at = fields.DatetimeField()
    due_at = fields.DatetimeField()
    acknowledged_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "privacy_request"
        # The person's own list (newest first) and staff's open list (oldest due first).
        indexes = (("account_id", "id"), ("status", "due_at", "id"))


REQUEST_CURSOR = "privacy-request"
DUE_CURSOR = "privacy-request-due"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Due dates a cursor may carry: none before 2000 or after 2200 was ever issued.
DUE_CURSOR_RANGE = (
    (datetime(2000, 1, 1, tzinfo=UTC) - EPOCH) // MICROSECOND,
    (datetime(2200, 1, 1, tzinfo=UTC) - EPOCH) // MICROSECOND,
)


async def requests_page(
    visible: Q | None, *, first: int, after: str | None, maximum: int
) -> Page[PrivacyRequest]:
    """The requests `visible` names, newest first; None: nothing may be seen."""
    query = PrivacyRequest.filter(visible) if visible is not None else None
    return await keyset_page(query, kind=REQUEST_CURSOR, first=first, after=after, maximum=maximum)


def _due_cursor(row: PrivacyRequest) -> str:
    micros = (row.due_at - EPOCH) // MICROSECOND
    return base64.urlsafe_b64encode(f"{DUE_CURSOR}:{micros}:{row.id}".encode()).decode().rstrip("=")


def _read_due_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, micros, key = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        number = parse_id(key)
        low, high = DUE_CURSOR_RANGE
        if kind != DUE_CURSOR or number is None or not low <= int(micros) <= high:
            raise ValueError(cursor)
        return EPOCH + int(micros) * MICROSECOND, number
    except (ValueError, binascii.Error, UnicodeError):
        raise BadUserInput("after", "This cursor is not valid here.") from None


async def by_due_date_page(
    which: Q, *, first: int, after: str | None, maximum: int
) -> Page[PrivacyRequest]:
    """The requests `which` names, the earliest due first (then the oldest), with their
    accounts. A keyset on (due date, id): a page never scans what it skips."""
    check_page_size(first, maximum)
    query = PrivacyRequest.filter(which).select_related("account")
    if after is not None:
        due, key = _read_due_cursor(after)
        query = query.filter(Q(due_at__gt=due) | Q(due_at=due, id__gt=key))
    rows = await query.order_by("due_at", "id").limit(first + 1)
    items = rows[:first]
    return Page(
        items=items,
        cursors=[_due_cursor(row) for row in items],
        has_next_page=len(rows) > first,
    )
