"""The rules of privacy requests (privacy/privacy_requests.py) at their edges: which
moves a request may make, when it is due and overdue, which receipt dates staff may
enter, and what the audit log keeps of a lookup. The API's side is in
test_privacy_requests.py and test_staff_lookup.py."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from errors import InvalidInput, InvalidTransitionError
from models.privacy_requests import PrivacyRequest
from models.privacy_requests import PrivacyRequestStatus as Status
from privacy import privacy_requests as rules

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MOVES = {
    Status.RECEIVED: {Status.ACKNOWLEDGED, Status.RESOLVED, Status.REJECTED},
    Status.ACKNOWLEDGED: {Status.RESOLVED, Status.REJECTED},
    Status.RESOLVED: set(),
    Status.REJECTED: set(),
}


def request(status: Status = Status.RECEIVED, due_at: datetime = NOW) -> PrivacyRequest:
    return PrivacyRequest(status=status, due_at=due_at)


@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("to", list(Status))
def test_a_request_moves_forward_only_and_nothing_leaves_a_closed_one(start, to):
    if to in MOVES[start]:
        rules.ensure_may_move(request(start), to)
        return
    with pytest.raises(InvalidTransitionError) as refused:
        rules.ensure_may_move(request(start), to)
    assert refused.value.message == f"This request is already {start.value.lower()}."


def test_open_and_closed_are_the_two_halves_of_the_statuses():
    assert rules.OPEN == {Status.RECEIVED, Status.ACKNOWLEDGED}
    assert rules.CLOSED == {Status.RESOLVED, Status.REJECTED}
    assert rules.OPEN | rules.CLOSED == set(Status)


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.REJECTED])
def test_a_correction_names_only_an_open_request(status):
    for still_open in rules.OPEN:
        rules.ensure_open(request(still_open))
    with pytest.raises(InvalidTransitionError) as refused:
        rules.ensure_open(request(status))
    assert refused.value.message == f"This request is already {status.value.lower()}."


def test_the_due_date_is_the_receipt_plus_the_days_given():
    assert rules.due_at(NOW, 30) == NOW + timedelta(days=30)
    assert rules.due_at(NOW, 1) == NOW + timedelta(days=1)


def test_an_open_request_is_overdue_only_once_its_due_time_has_passed():
    due = request(Status.ACKNOWLEDGED, due_at=NOW)
    assert rules.is_overdue(due, NOW - timedelta(seconds=1)) is False
    assert rules.is_overdue(due, NOW) is False
    assert rules.is_overdue(due, NOW + timedelta(seconds=1)) is True
    assert rules.is_overdue(request(Status.RECEIVED, due_at=NOW), NOW + timedelta(days=3))


def test_without_a_time_given_overdue_and_days_left_count_from_now():
    past = request(due_at=datetime.now(UTC) - timedelta(minutes=1))
    coming = request(due_at=datetime.now(UTC) + timedelta(days=2, minutes=1))
    assert (rules.is_overdue(past), rules.is_overdue(coming)) == (True, False)
    assert rules.days_left(past) in (-1, 0)
    assert rules.days_left(coming) in (2, 3)


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.REJECTED])
def test_a_closed_request_is_never_overdue_and_has_no_days_left(status):
    closed = request(status, due_at=NOW - timedelta(days=40))
    assert rules.is_overdue(closed, NOW) is False
    assert rules.days_left(closed, NOW) is None


def test_days_left_are_calendar_days_in_utc():
    due = request(due_at=datetime(2026, 3, 12, 0, 30, tzinfo=UTC))
    # late on the 10th, two calendar days remain, though under 26 hours
    assert rules.days_left(due, datetime(2026, 3, 10, 23, 0, tzinfo=UTC)) == 2
    assert rules.days_left(due, datetime(2026, 3, 12, 23, 59, tzinfo=UTC)) == 0
    assert rules.days_left(due, datetime(2026, 3, 13, 0, 1, tzinfo=UTC)) == -1
    # a "now" given in another zone counts in UTC: 20:00 on the 11th at UTC-5 is the 12th
    behind = datetime(2026, 3, 11, 20, 0, tzinfo=UTC) + timedelta(hours=5)
    assert rules.days_left(due, behind.astimezone(_zone(-5))) == 0
    # a due date stored in another zone counts in UTC too
    local_due = request(due_at=datetime(2026, 3, 11, 22, 0, tzinfo=_zone(-5)))  # 03:00Z 12th
    assert rules.days_left(local_due, datetime(2026, 3, 11, 12, 0, tzinfo=UTC)) == 1


def _zone(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


def test_a_receipt_not_given_is_now():
    assert rules.ensure_received_at(None, NOW) == NOW


def test_a_receipt_up_to_a_year_back_is_kept_as_given():
    for earlier in (NOW, NOW - timedelta(days=2), NOW - timedelta(days=365)):
        assert rules.ensure_received_at(earlier, NOW) == earlier


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        (NOW.replace(tzinfo=None), "Give a time zone (for example 2026-03-01T09:00:00Z)."),
        (NOW + timedelta(seconds=1), "A request cannot be received in the future."),
        (
            NOW - timedelta(days=365, seconds=1),
            "A request received over a year ago: check the date.",
        ),
    ],
)
def test_a_receipt_without_a_zone_in_the_future_or_over_a_year_back_is_refused(
    received_at, message
):
    with pytest.raises(InvalidInput) as refused:
        rules.ensure_received_at(received_at, NOW)
    assert (refused.value.field, refused.value.message) == ("receivedAt", message)


def test_a_lookup_is_kept_as_a_keyed_fingerprint_that_can_still_be_checked_later():
    secret = SecretStr("s" * 32)
    fingerprint = rules.lookup_fingerprint(secret, "ada@example.com")
    # the derivation is fixed: a fingerprint in an old audit event can be checked again
    key = hashlib.sha256(b"backline.account-lookup:" + b"s" * 32).digest()
    expected = hmac.new(key, b"ada@example.com", hashlib.sha256).hexdigest()[:32]
    assert fingerprint == expected == "86b00994fba50bb2a235f591db53e0d0"
    # another key or another address gives another fingerprint; the address is not in it
    assert rules.lookup_fingerprint(SecretStr("t" * 32), "ada@example.com") != fingerprint
    assert rules.lookup_fingerprint(secret, "bob@example.com") != fingerprint
    assert "ada" not in fingerprint
