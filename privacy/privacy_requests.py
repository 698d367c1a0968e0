"""Privacy requests: how one moves (RECEIVED → ACKNOWLEDGED → RESOLVED or REJECTED),
when it is due, and who sees which. The person sees their own requests, and only
theirs; staff see every open one, the account's status notwithstanding (a cancelled
account's requests are still owed an answer until it is erased).

Also what the audit log keeps of a staff member's lookup of an address."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from tortoise.expressions import Q

from errors import InvalidInput, InvalidTransitionError
from models.privacy_requests import PrivacyRequest
from models.privacy_requests import PrivacyRequestStatus as Status
from privacy.viewer import Viewer

OPEN = frozenset({Status.RECEIVED, Status.ACKNOWLEDGED})
CLOSED = frozenset({Status.RESOLVED, Status.REJECTED})
# How long before it was entered a request may have reached us (a letter found late).
OLDEST_RECEIPT = timedelta(days=365)
# Each status and the statuses it may move to; nothing leaves a closed request.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.ACKNOWLEDGED, Status.RESOLVED, Status.REJECTED}),
    Status.ACKNOWLEDGED: frozenset({Status.RESOLVED, Status.REJECTED}),
    Status.RESOLVED: frozenset(),
    Status.REJECTED: frozenset(),
}


def own(viewer: Viewer, account_id: int) -> Q | None:
    """The requests of `account_id` that `viewer` may see: all of them when it is the
    person themself, through their own session; otherwise none (None), not even staff
    (their queue is `still_open`)."""
    person = viewer.person
    if person is None or person.id != account_id:
        return None
    return Q(account_id=account_id)


def still_open() -> Q:
    return Q(status__in=sorted(OPEN))


def due_at(received_at: datetime, due_days: int) -> datetime:
    return received_at + timedelta(days=due_days)


def ensure_received_at(received_at: datetime | None, now: datetime) -> datetime:
    """When staff enter a request that came earlier (a letter), its deadline runs from
    then; a receipt in the future would push the deadline out, one over a year back is
    a mistyped date."""
    if received_at is None:
        return now
    if received_at.tzinfo is None:
        raise InvalidInput("receivedAt", "Give a time zone (for example 2026-03-01T09:00:00Z).")
    if received_at > now:
        raise InvalidInput("receivedAt", "A request cannot be received in the future.")
    if received_at < now - OLDEST_RECEIPT:
        # A typo in the year, most likely; it would file the request as long overdue.
        raise InvalidInput("receivedAt", "A request received over a year ago: check the date.")
    return received_at


def ensure_may_move(request: PrivacyRequest, to: Status) -> None:
    """Only the moves of TRANSITIONS: a request is acknowledged once, and closed once."""
    if to not in TRANSITIONS[request.status]:
        raise InvalidTransitionError(f"This request is already {request.status.lower()}.")


def ensure_open(request: PrivacyRequest) -> None:
    """Staff may link a correction only to a request still being answered."""
    if request.status not in OPEN:
        raise InvalidTransitionError(f"This request is already {request.status.lower()}.")


def is_overdue(request: PrivacyRequest, now: datetime | None = None) -> bool:
    """Open past its due date; a closed request is never overdue."""
    return request.status in OPEN and (now or datetime.now(UTC)) > request.due_at


def days_left(request: PrivacyRequest, now: datetime | None = None) -> int | None:
    """Calendar days (UTC) until the due date: 0 on the day it is due, negative once
    past it; None once the request is closed."""
    if request.status not in OPEN:
        return None
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return (request.due_at.astimezone(UTC).date() - today).days


def lookup_fingerprint(secret_key: SecretStr, email: str) -> str:
    """What the audit log keeps of an address staff looked up and did not find: a keyed
    hash. Whoever holds SECRET_KEY can check whether a given address was looked up, but
    the log never holds the address of someone who may not even be a member (and
    whom no erasure would ever reach)."""
    key = hashlib.sha256(b"backline.account-lookup:" + secret_key.get_secret_value().encode())
    return hmac.new(key.digest(), email.encode(), hashlib.sha256).hexdigest()[:32]
