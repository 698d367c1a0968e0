"""Privacy requests: a person asks for access, correction, deletion, objection, or asks
a question; the request gets a reference and a due date and is acknowledged by mail at
once; staff (and only staff) work the queue, oldest due first, and close each request,
the person being told the outcome. Every move is audited; nobody sees another person's
requests."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from errors import InvalidTransitionError
from mailers.worker import Worker
from models.accounts import Account, AccountStatus
from models.audit import AuditAction, AuditEvent
from models.outbox import MailKind, MailState, OutboundEmail
from models.privacy_requests import PrivacyRequest, PrivacyRequestStatus, new_reference
from models.retention import LegalHold
from privacy import privacy_requests as rules
from privacy.viewer import Viewer
from services import privacy_requests, retention
from settings import Settings
from tests import factories
from tests.conftest import client_for

FILE = """
mutation File($kind: PrivacyRequestKind!, $message: String!) {
  filePrivacyRequest(input: {kind: $kind, message: $message}) {
    __typename
    ... on PrivacyRequest {
      id reference kind source message status reason receivedAt dueAt acknowledgedAt closedAt
      overdue daysLeft
    }
    ... on ValidationError { field }
    ... on RateLimited { retryAfterSeconds }
    ... on LimitReached { limit }
  }
}
"""
MINE = """
query Mine($first: Int!, $after: String) {
  me { privacyRequests(first: $first, after: $after) {
    edges { cursor node { id reference kind message status reason } }
    pageInfo { hasNextPage endCursor }
  } }
}
"""
ON_BEHALF = """
mutation OnBehalf($input: StaffPrivacyRequestInput!) {
  filePrivacyRequestOnBehalf(input: $input) {
    __typename
    ... on StaffPrivacyRequest {
      id reference kind source status receivedAt dueAt acknowledgedAt daysLeft overdue
      person { id name status }
    }
    ... on ValidationError { field }
  }
}
"""
STAFF_RESULT = """
    __typename
    ... on StaffPrivacyRequest { id status reason closedAt acknowledgedAt overdue daysLeft }
    ... on ValidationError { field }
"""
ACKNOWLEDGE = "mutation A($id: ID!) { acknowledgePrivacyRequest(id: $id) {" + STAFF_RESULT + "} }"
RESOLVE = (
    "mutation R($id: ID!, $note: String) { resolvePrivacyRequest(id: $id, note: $note) {"
    + STAFF_RESULT
    + "} }"
)
REJECT = (
    "mutation J($id: ID!, $reason: String!) { rejectPrivacyRequest(id: $id, reason: $reason) {"
    + STAFF_RESULT
    + "} }"
)
QUEUE = """
query Queue($first: Int!, $after: String) {
  openPrivacyRequests(first: $first, after: $after) {
    edges { node { id reference status dueAt overdue daysLeft person { id name status } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
REFERENCE = re.compile(r"^PR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
READS = (factories.ApiScope.CONTACTS_READ, factories.ApiScope.LISTINGS_READ)
MESSAGE = "Please send me a copy of everything you hold about me.\n\nThank you,\tAda"


async def file(api, person, kind="ACCESS", message=MESSAGE) -> dict:
    variables = {"kind": kind, "message": message}
    return (await api.data(FILE, variables, token=person.token))["filePrivacyRequest"]


async def on_behalf(api, clerk, person, **overrides) -> dict:
    values = {"accountId": person.id, "kind": "DELETION", "message": "By letter.", "source": "POST"}
    variables = {"input": values | overrides}
    return (await api.data(ON_BEHALF, variables, token=clerk.token))["filePrivacyRequestOnBehalf"]


async def staff_do(api, clerk, mutation: str, **variables) -> dict:
    data = await api.data(mutation, variables, token=clerk.token)
    return next(iter(data.values()))


async def audit_actions(account_id: int) -> list[str]:
    events = await AuditEvent.filter(subject_id=account_id).order_by("id")
    return [event.action.value for event in events]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def settings_with(settings: Settings, **changes) -> Settings:
    return Settings(**settings.model_copy(update=changes).model_dump())


async def test_a_filed_request_gets_a_reference_a_due_date_and_an_acknowledgement_at_once(
    api, mail_settings, inbox, settings
):
    # given a person who gave no marketing consent at all
    ada = await factories.customer(email="ada@example.com")
    # when she asks for a copy of her data, in several lines
    result = await file(api, ada)
    # then the request is stored as she wrote it, acknowledged, due in 30 days
    assert result["__typename"] == "PrivacyRequest"
    assert REFERENCE.match(result["reference"])
    assert (result["kind"], result["source"], result["message"]) == (
        "ACCESS",
        "SELF_SERVICE",
        MESSAGE,
    )
    assert result["status"] == "ACKNOWLEDGED" and result["acknowledgedAt"]
    assert when(result["dueAt"]) - when(result["receivedAt"]) == timedelta(
        days=settings.privacy_request_due_days
    )
    assert (result["daysLeft"], result["overdue"], result["closedAt"]) == (30, False, None)
    # and the acknowledgement is transactional mail: no purpose, so no opt-out stops it
    [mail] = await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_RECEIVED)
    assert mail.recipient_id == ada.account.id and mail.purpose is None
    await Worker(mail_settings).drain()
    [received] = inbox.to("ada@example.com")
    text = received.get_body(("plain",)).get_content()
    assert result["reference"] in received["Subject"] and result["reference"] in text
    assert when(result["dueAt"]).strftime("%d %B %Y") in text
    assert "List-Unsubscribe" not in received
    # and filing and acknowledging are both in the audit log, as hers, without her words
    assert await audit_actions(ada.account.id) == [
        "PRIVACY_REQUEST_FILED",
        "PRIVACY_REQUEST_ACKNOWLEDGED",
    ]
    for event in await AuditEvent.filter(subject_id=ada.account.id):
        assert event.actor_id == ada.account.id
        assert event.detail["reference"] == result["reference"]
        assert "copy" not in json.dumps(event.detail)


async def test_the_due_date_follows_the_setting(settings):
    ada = await factories.customer()
    async for api in client_for(settings_with(settings, privacy_request_due_days=10)):
        result = await file(api, ada)
    assert when(result["dueAt"]) - when(result["receivedAt"]) == timedelta(days=10)
    assert result["daysLeft"] == 10


def test_references_are_random_and_easy_to_read_out():
    references = {new_reference() for _ in range(500)}
    assert len(references) == 500
    assert all(REFERENCE.match(reference) for reference in references)


async def test_references_tell_nothing_of_how_many_came_before(api):
    ada = await factories.customer()
    first, second = await file(api, ada), await file(api, ada, kind="QUESTION")
    assert first["reference"] != second["reference"]
    digits = [re.sub(r"\D", "", result["reference"]) for result in (first, second)]
    assert not (digits[0] and digits[1] and int(digits[1]) == int(digits[0]) + 1)


async def test_a_person_sees_only_their_own_requests_newest_first(api):
    # given two requests of Ada's and one of Bob's
    ada, bob = await factories.customer(), await factories.customer()
    older = await file(api, ada, kind="ACCESS")
    newer = await file(api, ada, kind="CORRECTION", message="My city is wrong.")
    bobs = await file(api, bob, kind="DELETION", message="Delete me.")
    # when Ada pages through hers, one at a time
    page = (await api.data(MINE, {"first": 1}, token=ada.token))["me"]["privacyRequests"]
    after = page["pageInfo"]["endCursor"]
    rest = (await api.data(MINE, {"first": 1, "after": after}, token=ada.token))["me"][
        "privacyRequests"
    ]
    # then she sees hers, newest first, and never Bob's
    assert [edge["node"]["id"] for edge in page["edges"]] == [newer["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["id"] for edge in rest["edges"]] == [older["id"]]
    assert rest["pageInfo"]["hasNextPage"] is False
    bob_sees = (await api.data(MINE, {"first": 10}, token=bob.token))["me"]["privacyRequests"]
    assert [edge["node"]["id"] for edge in bob_sees["edges"]] == [bobs["id"]]


async def test_the_rule_shows_a_persons_requests_to_them_alone(api):
    # given Ada's request
    ada, clerk = await factories.customer(), await factories.staff()
    await file(api, ada)
    # then staff, an anonymous caller, and Ada's own API key are shown none of hers
    for viewer in (
        Viewer(account=clerk.account, session_id=1),
        Viewer(),
        Viewer(account=ada.account, session_id=None, api_key_id=1),
    ):
        assert rules.own(viewer, ada.account.id) is None
        page = await privacy_requests.own_requests(
            viewer, ada.account.id, first=10, after=None, maximum=100
        )
        assert page.items == []
    # and Ada, through her session, is shown hers
    page = await privacy_requests.own_requests(
        Viewer(account=ada.account, session_id=1), ada.account.id, first=10, after=None, maximum=100
    )
    assert len(page.items) == 1


async def test_an_api_key_or_an_anonymous_caller_cannot_file_or_list(api):
    ada = await factories.customer()
    key = await factories.api_key(ada, *READS)
    for token in (key, None):
        result = (await api.data(FILE, {"kind": "ACCESS", "message": "x"}, token=token))[
            "filePrivacyRequest"
        ]
        assert result["__typename"] == "NotAuthorized"
        assert (await api.data(MINE, {"first": 5}, token=token))["me"] is None
    assert not await PrivacyRequest.exists()
    assert not await AuditEvent.exists()


@pytest.mark.parametrize(
    "message",
    [
        "Bell \x07 inside",
        "Escape \x1b[31m red",
        "A line\u2028separator",
        "Right-to-left \u202e override",
        "\x00",
        "   ",
        "x" * 5001,
    ],
    ids=["bell", "escape", "line-separator", "bidi", "nul", "blank", "too-long"],
)
async def test_a_bad_message_is_refused_and_nothing_is_stored(api, message):
    ada = await factories.customer()
    result = await file(api, ada, message=message)
    assert result == {"__typename": "ValidationError", "field": "message"}
    assert not await PrivacyRequest.exists()
    assert not await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_RECEIVED).exists()
    assert not await AuditEvent.exists()


async def test_the_longest_allowed_message_with_line_breaks_and_tabs_is_kept(api):
    ada = await factories.customer()
    message = "line\tone\r\n" * 499 + "x" * (5000 - 9 * 499)
    result = await file(api, ada, message=message)
    assert result["__typename"] == "PrivacyRequest"
    assert result["message"] == message.replace("\r\n", "\n")
    assert len(result["message"]) == 5000


async def test_filing_is_rate_limited_per_person(settings):
    # given a limit of two requests an hour
    ada, bob = await factories.customer(), await factories.customer()
    limited = settings_with(settings, rate_limit_privacy_requests_per_account="2/hour")
    async for api in client_for(limited):
        # when Ada files three
        answers = [await file(api, ada, message=f"Request {n}") for n in range(3)]
        # then the third is refused and not stored, while Bob may still file
        bobs = await file(api, bob)
    assert [answer["__typename"] for answer in answers] == [
        "PrivacyRequest",
        "PrivacyRequest",
        "RateLimited",
    ]
    assert answers[2]["retryAfterSeconds"] > 0
    assert await PrivacyRequest.filter(account_id=ada.account.id).count() == 2
    assert bobs["__typename"] == "PrivacyRequest"


async def test_open_requests_are_capped_per_person_until_one_is_closed(settings):
    # given a cap of two open requests
    ada, clerk = await factories.customer(), await factories.staff()
    capped = settings_with(
        settings, privacy_requests_open_max=2, rate_limit_privacy_requests_per_account="10/hour"
    )
    async for api in client_for(capped):
        first, _second = await file(api, ada), await file(api, ada, kind="QUESTION")
        # when she files a third while two are open
        refused = await file(api, ada, kind="OBJECTION", message="Stop the ads.")
        # then it is refused, naming the cap, and nothing is stored
        assert refused == {"__typename": "LimitReached", "limit": 2}
        assert await PrivacyRequest.filter(account_id=ada.account.id).count() == 2
        # and once staff answered one, she may file again
        await staff_do(api, clerk, RESOLVE, id=first["id"], note="Sent by mail.")
        again = await file(api, ada, kind="OBJECTION", message="Stop the ads.")
    assert again["__typename"] == "PrivacyRequest"


async def test_requests_filed_at_the_same_moment_cannot_pass_the_cap(settings):
    # given a cap of two open requests, and one open
    ada = await factories.customer()
    capped = settings_with(
        settings, privacy_requests_open_max=2, rate_limit_privacy_requests_per_account="20/hour"
    )
    async for api in client_for(capped):
        await file(api, ada)
        # when six more are filed at once
        results = await asyncio.gather(*(file(api, ada, kind="QUESTION") for _ in range(6)))
    # then exactly one took the last place
    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["LimitReached"] * 5 + ["PrivacyRequest"]
    assert await PrivacyRequest.filter(account_id=ada.account.id).count() == 2


async def test_staff_enter_a_request_received_by_post_with_its_own_deadline(api):
    # given a letter that reached us three days ago
    ada, clerk = await factories.customer(name="Ada"), await factories.staff()
    received = datetime.now(UTC) - timedelta(days=3)
    # when staff enter it for Ada
    result = await on_behalf(api, clerk, ada, receivedAt=received.isoformat())
    # then the deadline runs from the letter, and she is acknowledged by mail
    assert result["__typename"] == "StaffPrivacyRequest"
    assert (result["source"], result["kind"], result["status"]) == (
        "POST",
        "DELETION",
        "ACKNOWLEDGED",
    )
    assert when(result["receivedAt"]) == received
    assert when(result["dueAt"]) == received + timedelta(days=30)
    assert result["daysLeft"] == 27
    assert result["person"] == {"id": ada.id, "name": "Ada", "status": "ACTIVE"}
    stored = await PrivacyRequest.get(id=int(result["id"]))
    assert (stored.account_id, stored.filed_by_id) == (ada.account.id, clerk.account.id)
    assert await OutboundEmail.filter(
        kind=MailKind.PRIVACY_REQUEST_RECEIVED, recipient_id=ada.account.id
    ).exists()
    events = await AuditEvent.filter(subject_id=ada.account.id)
    assert {event.actor_id for event in events} == {clerk.account.id}
    assert events[0].detail["source"] == "POST"


async def test_staff_cannot_enter_a_self_service_source_nor_a_future_or_mistyped_receipt(api):
    ada, clerk = await factories.customer(), await factories.staff()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await on_behalf(api, clerk, ada, source="SELF_SERVICE") == {
        "__typename": "ValidationError",
        "field": "source",
    }
    long_ago = (datetime.now(UTC) - timedelta(days=366)).isoformat()
    naive = datetime.now().replace(microsecond=0).isoformat()
    for received_at in (tomorrow, long_ago, naive):
        assert await on_behalf(api, clerk, ada, receivedAt=received_at) == {
            "__typename": "ValidationError",
            "field": "receivedAt",
        }, received_at
    assert (await on_behalf(api, clerk, ada, message="\x07"))["field"] == "message"
    missing = await on_behalf(api, clerk, ada, accountId="999999")
    assert missing["__typename"] == "NotFound"
    assert not await PrivacyRequest.exists() and not await AuditEvent.exists()


async def test_staff_acknowledge_later_a_request_entered_without_acknowledgement(api):
    # given a request entered by phone, acknowledged on the call
    ada, clerk = await factories.customer(), await factories.staff()
    entered = await on_behalf(api, clerk, ada, source="PHONE", acknowledge=False)
    assert (entered["status"], entered["acknowledgedAt"]) == ("RECEIVED", None)
    assert not await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_RECEIVED).exists()
    # when staff acknowledge it
    acknowledged = await staff_do(api, clerk, ACKNOWLEDGE, id=entered["id"])
    # then it is ACKNOWLEDGED, mailed, audited
    assert acknowledged["status"] == "ACKNOWLEDGED" and acknowledged["acknowledgedAt"]
    assert await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_RECEIVED).count() == 1
    assert await audit_actions(ada.account.id) == [
        "PRIVACY_REQUEST_FILED",
        "PRIVACY_REQUEST_ACKNOWLEDGED",
    ]
    # and a second acknowledgement is refused, changing nothing
    again = await staff_do(api, clerk, ACKNOWLEDGE, id=entered["id"])
    assert again["__typename"] == "InvalidTransition"
    stored = await PrivacyRequest.get(id=int(entered["id"]))
    assert stored.acknowledged_at == when(acknowledged["acknowledgedAt"])
    assert await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_RECEIVED).count() == 1
    assert len(await audit_actions(ada.account.id)) == 2


async def test_staff_resolve_a_request_and_the_person_is_told_with_the_note(
    api, mail_settings, inbox
):
    # given Ada's request
    ada, clerk = await factories.customer(email="ada@example.com"), await factories.staff()
    filed = await file(api, ada)
    # when staff resolve it with a note
    note = "We mailed you the export.\nIt is also in your settings."
    result = await staff_do(api, clerk, RESOLVE, id=filed["id"], note=note)
    # then it is closed with the note, and she reads the outcome in her list and by mail
    assert result["status"] == "RESOLVED" and result["closedAt"]
    assert (result["reason"], result["overdue"], result["daysLeft"]) == (note, False, None)
    mine = (await api.data(MINE, {"first": 5}, token=ada.token))["me"]["privacyRequests"]
    assert mine["edges"][0]["node"]["status"] == "RESOLVED"
    assert mine["edges"][0]["node"]["reason"] == note
    await Worker(mail_settings).drain()
    closed = [m for m in inbox.to("ada@example.com") if "answered" in m["Subject"]]
    [mail] = closed
    assert "We mailed you the export." in mail.get_body(("plain",)).get_content()
    stored = await PrivacyRequest.get(id=int(filed["id"]))
    assert stored.closed_by_id == clerk.account.id
    resolved = await AuditEvent.get(action=AuditAction.PRIVACY_REQUEST_RESOLVED)
    assert (resolved.actor_id, resolved.subject_id) == (clerk.account.id, ada.account.id)
    assert "export" not in json.dumps(resolved.detail)


async def test_rejecting_needs_a_reason_which_the_person_is_told(api, mail_settings, inbox):
    ada, clerk = await factories.customer(email="ada@example.com"), await factories.staff()
    filed = await file(api, ada, kind="DELETION", message="Delete my reviews.")
    # when staff reject it without a reason
    for blank in ("", "   \n "):
        refused = await staff_do(api, clerk, REJECT, id=filed["id"], reason=blank)
        assert refused == {"__typename": "ValidationError", "field": "reason"}
    # then nothing changed: still open, no mail, no audit event of a rejection
    stored = await PrivacyRequest.get(id=int(filed["id"]))
    assert (stored.status, stored.reason, stored.closed_at) == ("ACKNOWLEDGED", None, None)
    assert not await AuditEvent.filter(action=AuditAction.PRIVACY_REQUEST_REJECTED).exists()
    assert not await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_CLOSED).exists()
    # and with a reason, it is rejected and she is told why
    reason = "A court order requires us to keep these until 2027."
    rejected = await staff_do(api, clerk, REJECT, id=filed["id"], reason=reason)
    assert (rejected["status"], rejected["reason"]) == ("REJECTED", reason)
    await Worker(mail_settings).drain()
    [mail] = [m for m in inbox.to("ada@example.com") if "declined" in m["Subject"]]
    assert reason in mail.get_body(("plain",)).get_content()


async def test_a_closed_request_cannot_be_closed_again(api):
    ada, clerk = await factories.customer(), await factories.staff()
    filed = await file(api, ada)
    first = await staff_do(api, clerk, RESOLVE, id=filed["id"], note="Done.")
    before = await PrivacyRequest.get(id=int(filed["id"]))
    # when staff resolve it again, reject it, or acknowledge it
    attempts = [
        await staff_do(api, clerk, RESOLVE, id=filed["id"], note="Done twice."),
        await staff_do(api, clerk, REJECT, id=filed["id"], reason="Changed my mind."),
        await staff_do(api, clerk, ACKNOWLEDGE, id=filed["id"]),
    ]
    # then each is InvalidTransition and the request, its mail and its log are as they were
    assert [attempt["__typename"] for attempt in attempts] == ["InvalidTransition"] * 3
    after = await PrivacyRequest.get(id=int(filed["id"]))
    assert (after.status, after.reason, after.closed_at) == (
        before.status,
        before.reason,
        before.closed_at,
    )
    assert first["status"] == "RESOLVED"
    assert await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_CLOSED).count() == 1
    assert (await audit_actions(ada.account.id)).count("PRIVACY_REQUEST_RESOLVED") == 1


async def test_a_move_of_a_request_that_does_not_exist_is_not_found(api):
    clerk = await factories.staff()
    for request_id in ("424242", "abc", "0"):
        result = await staff_do(api, clerk, RESOLVE, id=request_id, note=None)
        assert result["__typename"] == "NotFound"


async def test_staff_queue_lists_open_requests_earliest_due_first(api, settings):
    # given open requests received at different times, one of them overdue, and one closed
    ada, bob, clerk = (
        await factories.customer(name="Ada"),
        await factories.customer(name="Bob"),
        await factories.staff(),
    )
    now = datetime.now(UTC)
    recent = await on_behalf(api, clerk, ada, receivedAt=(now - timedelta(days=1)).isoformat())
    overdue = await on_behalf(api, clerk, bob, receivedAt=(now - timedelta(days=40)).isoformat())
    middle = await on_behalf(api, clerk, ada, receivedAt=(now - timedelta(days=20)).isoformat())
    closed = await on_behalf(api, clerk, bob, receivedAt=(now - timedelta(days=50)).isoformat())
    await staff_do(api, clerk, REJECT, id=closed["id"], reason="Duplicate of another.")
    # when staff page through the queue, two at a time
    seen, after = [], None
    while True:
        page = (await api.data(QUEUE, {"first": 2, "after": after}, token=clerk.token))[
            "openPrivacyRequests"
        ]
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then the open ones come, earliest due first, each saying whether it is overdue
    assert [node["id"] for node in seen] == [overdue["id"], middle["id"], recent["id"]]
    assert [node["overdue"] for node in seen] == [True, False, False]
    assert [node["daysLeft"] for node in seen] == [-10, 10, 29]
    assert seen[0]["person"]["name"] == "Bob"


async def test_a_forged_queue_cursor_is_bad_user_input(api):
    clerk = await factories.staff()
    for cursor in ("garbage", "cHJpdmFjeS1yZXF1ZXN0OjE", "cHJpdmFjeS1yZXF1ZXN0LWR1ZTp4OjE"):
        errors = await api.errors(QUEUE, {"first": 2, "after": cursor}, token=clerk.token)
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_nobody_but_staff_sees_the_queue_or_moves_a_request(api):
    # given Ada's open request
    ada = await factories.customer()
    band = await factories.performer()
    clerk = await factories.staff()
    filed = await file(api, ada)
    staff_key = await factories.api_key(clerk, *READS)
    events_before = await AuditEvent.all().count()
    callers = {
        "customer (Ada herself)": ada.token,
        "performer": band.token,
        "staff member's API key": staff_key,
        "anonymous": None,
    }
    for caller, token in callers.items():
        # when anyone but a signed-in staff member asks for the queue or moves the request
        queue = (await api.data(QUEUE, {"first": 5}, token=token))["openPrivacyRequests"]
        moves = [
            await api.data(ACKNOWLEDGE, {"id": filed["id"]}, token=token),
            await api.data(RESOLVE, {"id": filed["id"], "note": "x"}, token=token),
            await api.data(REJECT, {"id": filed["id"], "reason": "x"}, token=token),
            await api.data(
                ON_BEHALF,
                {
                    "input": {
                        "accountId": ada.id,
                        "kind": "ACCESS",
                        "message": "x",
                        "source": "EMAIL",
                    }
                },
                token=token,
            ),
        ]
        # then the queue is empty and each move is NotAuthorized
        assert queue == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}, caller
        assert [next(iter(m.values()))["__typename"] for m in moves] == ["NotAuthorized"] * 4, (
            caller
        )
    # and nothing changed, nothing was logged
    stored = await PrivacyRequest.get(id=int(filed["id"]))
    assert stored.status == PrivacyRequestStatus.ACKNOWLEDGED and stored.reason is None
    assert await PrivacyRequest.all().count() == 1
    assert await AuditEvent.all().count() == events_before


async def test_a_cancelled_persons_request_stays_in_the_queue_and_is_answered(
    api, mail_settings, inbox
):
    # given Ada, who cancelled her account, and then wrote to ask for deletion at once
    ada, clerk = await factories.customer(email="ada@example.com"), await factories.staff()
    await api.data("mutation { cancelAccount { __typename } }", token=ada.token)
    # she can no longer file herself: her sessions ended with the account
    assert (await file(api, ada))["__typename"] == "NotAuthorized"
    entered = await on_behalf(api, clerk, ada, source="EMAIL")
    # then staff see it in the queue, with her status
    queue = (await api.data(QUEUE, {"first": 5}, token=clerk.token))["openPrivacyRequests"]
    [node] = [edge["node"] for edge in queue["edges"]]
    assert node["id"] == entered["id"] and node["person"]["status"] == "CANCELLED"
    # and she is owed the acknowledgement and the answer: both reach her
    await staff_do(api, clerk, RESOLVE, id=entered["id"], note="Erased today.")
    await Worker(mail_settings).drain()
    subjects = sorted(mail["Subject"] for mail in inbox.to("ada@example.com"))
    assert len(subjects) == 2 and all(entered["reference"] in s for s in subjects)


async def test_requests_are_erased_with_the_account_unless_a_hold_stands(api, settings):
    # given two cancelled people past retention, each with a request, one under a hold
    ada, bob, clerk = (
        await factories.customer(),
        await factories.customer(),
        await factories.staff(),
    )
    for person in (ada, bob):
        await file(api, person)
        await Account.filter(id=person.account.id).update(
            status=AccountStatus.CANCELLED,
            cancelled_at=datetime.now(UTC) - timedelta(days=settings.retention_days + 1),
        )
    await LegalHold.create(
        account_id=bob.account.id, reason="Court order", placed_by_id=clerk.account.id
    )
    # when the purge runs
    await retention.purge(
        retention_days=settings.retention_days, log_retention_days=settings.log_retention_days
    )
    # then Ada's request went with her account; Bob's is kept, and still in staff's queue
    assert not await PrivacyRequest.filter(account_id=ada.account.id).exists()
    assert await PrivacyRequest.filter(account_id=bob.account.id).count() == 1
    assert await PrivacyRequest.all().count() == 1
    queue = (await api.data(QUEUE, {"first": 5}, token=clerk.token))["openPrivacyRequests"]
    assert [edge["node"]["person"]["id"] for edge in queue["edges"]] == [bob.id]


async def test_a_mail_about_a_request_erased_before_it_went_is_dropped(api, mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    await file(api, ada)
    await PrivacyRequest.all().delete()
    await Worker(mail_settings).drain()
    [mail] = await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_RECEIVED)
    assert mail.state == MailState.DROPPED
    assert inbox.to("ada@example.com") == []


async def test_the_export_holds_the_persons_requests_and_nobody_elses(api):
    ada, bob = await factories.customer(), await factories.customer()
    filed = await file(api, ada)
    await file(api, bob)
    export = (await api.data("{ myDataExport }", token=ada.token))["myDataExport"]
    [row] = export["privacyRequests"]
    assert row["id"] == int(filed["id"]) and row["reference"] == filed["reference"]
    assert (row["kind"], row["source"], row["status"]) == ("ACCESS", "SELF_SERVICE", "ACKNOWLEDGED")
    assert row["message"] == MESSAGE and row["reason"] is None and row["closedAt"] is None
    assert set(row) >= {"createdAt", "receivedAt", "dueAt", "acknowledgedAt"}
    assert "filedBy" not in row and "closedBy" not in row


def test_days_left_and_overdue_count_calendar_days_and_stop_once_closed():
    due = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    request = PrivacyRequest(status=PrivacyRequestStatus.ACKNOWLEDGED, due_at=due)
    assert rules.days_left(request, datetime(2026, 3, 1, 23, 0, tzinfo=UTC)) == 30
    assert rules.days_left(request, datetime(2026, 3, 31, 13, 0, tzinfo=UTC)) == 0
    assert rules.is_overdue(request, datetime(2026, 3, 31, 12, 0, tzinfo=UTC)) is False
    assert rules.is_overdue(request, datetime(2026, 3, 31, 12, 0, 1, tzinfo=UTC)) is True
    assert rules.days_left(request, datetime(2026, 4, 2, tzinfo=UTC)) == -2
    request.status = PrivacyRequestStatus.RESOLVED
    assert rules.days_left(request, datetime(2026, 4, 2, tzinfo=UTC)) is None
    assert rules.is_overdue(request, datetime(2026, 4, 2, tzinfo=UTC)) is False


async def test_two_staff_closing_one_request_at_once_close_it_once(api):
    # given Ada's request, read by one staff member while another resolves it
    ada, clerk, colleague = (
        await factories.customer(),
        await factories.staff(),
        await factories.staff(),
    )
    filed = await file(api, ada)
    read_before = await PrivacyRequest.get(id=int(filed["id"]))
    await staff_do(api, colleague, RESOLVE, id=filed["id"], note="Answered by phone.")
    # when the first one rejects it from what they read
    with pytest.raises(InvalidTransitionError):
        async with in_transaction():
            await privacy_requests.move(
                read_before, PrivacyRequestStatus.REJECTED, clerk.account, reason="Late."
            )
    # then the colleague's answer stands, mailed and logged once
    stored = await PrivacyRequest.get(id=int(filed["id"]))
    assert (stored.status, stored.reason) == (PrivacyRequestStatus.RESOLVED, "Answered by phone.")
    assert await OutboundEmail.filter(kind=MailKind.PRIVACY_REQUEST_CLOSED).count() == 1
    assert not await AuditEvent.filter(action=AuditAction.PRIVACY_REQUEST_REJECTED).exists()


async def test_staff_reading_the_queue_is_audited_per_request_shown(api):
    # given requests of Ada and Bob
    ada, bob, clerk = (
        await factories.customer(),
        await factories.customer(),
        await factories.staff(),
    )
    adas, bobs = await file(api, ada), await file(api, bob)
    # when a staff member reads a page of the queue that shows only the first
    page = (await api.data(QUEUE, {"first": 1}, token=clerk.token))["openPrivacyRequests"]
    shown = page["edges"][0]["node"]
    # then that read is audited, once, naming the reader, the person and the request
    reads = await AuditEvent.filter(action=AuditAction.PRIVACY_REQUEST_READ)
    assert [(e.actor_id, e.detail["reference"]) for e in reads] == [
        (clerk.account.id, shown["reference"])
    ]
    assert reads[0].subject_id == int(shown["person"]["id"])
    assert {adas["reference"], bobs["reference"]} > {shown["reference"]}
    # and the person sees it in their own export
    whose = ada if shown["reference"] == adas["reference"] else bob
    export = (await api.data("{ myDataExport }", token=whose.token))["myDataExport"]
    assert "PRIVACY_REQUEST_READ" in [event["action"] for event in export["auditEvents"]]
