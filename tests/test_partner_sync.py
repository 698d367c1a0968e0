"""A partner keeps its copy of the contacts shared with it in sync: `sharedContacts` with
`changedSince` or `syncCursor` answers what is new or changed, in the order the changes
committed, with a cursor to keep; hidden contacts are never answered nor counted."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from tortoise.transactions import in_transaction

from models import sync as positions
from models.accounts import Account
from models.audit import AuditEvent
from models.purposes import Purpose
from models.sharing import ContactGrant, SyncClock
from tests import factories
from tests.smtp import free_port
from tests.test_withdrawals_feed import decodings

SHARING = (Purpose.CONTACT_SHARING,)
EPOCH = "1970-01-01T00:00:00Z"
SYNC = """
query Sync($since: DateTime, $cursor: String, $after: String, $listing: ID, $first: Int!) {
  sharedContacts(first: $first, changedSince: $since, syncCursor: $cursor, after: $after,
                 listingId: $listing) {
    edges { cursor node { id name email phone } }
    pageInfo { hasNextPage endCursor }
    syncCursor
  }
}
"""
COUNTED = """
query Counted($since: DateTime, $cursor: String, $listing: ID) {
  sharedContacts(first: 2, changedSince: $since, syncCursor: $cursor, listingId: $listing) {
    edges { node { name } }
    syncCursor
    totalCount
  }
}
"""
UPDATE_PROFILE = """
mutation Update($input: UpdateProfileInput!) { updateProfile(input: $input) { __typename } }
"""
WITHDRAW = "mutation { updatePrivacyPreferences(input: {contactSharing: false}) { __typename } }"


async def sync(api, key, *, first=50, **arguments) -> dict:
    variables = {"first": first} | arguments
    return (await api.data(SYNC, variables, token=key))["sharedContacts"]


def names(page: dict) -> list[str]:
    return [edge["node"]["name"] for edge in page["edges"]]


async def band_with_key():
    band = await factories.performer(name="The Band", granted=SHARING)
    listing = await factories.listing(band)
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    return band, listing, key


async def asks(listing, name: str, **kwargs) -> factories.Person:
    person = await factories.customer(name=name, granted=SHARING, **kwargs)
    await factories.inquiry(person, listing)
    return person


async def test_a_sync_answers_new_contacts_oldest_first_and_then_only_what_is_new(api):
    # given two customers who asked the band
    _band, listing, key = await band_with_key()
    await asks(listing, "Ada")
    await asks(listing, "Bo")
    # when the partner syncs from the start
    first = await sync(api, key, since=EPOCH)
    # then both come, oldest change first, with a cursor to keep
    assert names(first) == ["Ada", "Bo"] and first["syncCursor"]
    # and the next sync from that cursor answers nothing until something changes
    again = await sync(api, key, cursor=first["syncCursor"])
    assert names(again) == [] and again["syncCursor"]
    await asks(listing, "Cy")
    assert names(await sync(api, key, cursor=again["syncCursor"])) == ["Cy"]


async def test_pages_of_a_sync_continue_from_the_cursor_each_page_answers(api):
    _band, listing, key = await band_with_key()
    for name in ("A", "B", "C", "D", "E"):
        await asks(listing, name)
    seen, cursor, since = [], None, EPOCH
    while True:
        page = await sync(api, key, first=2, since=since, cursor=cursor)
        seen += names(page)
        cursor, since = page["syncCursor"], None
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == ["A", "B", "C", "D", "E"]
    # `after` pages within one sync just as well
    page = await sync(api, key, first=2, since=EPOCH)
    rest = await sync(api, key, first=10, since=EPOCH, after=page["pageInfo"]["endCursor"])
    assert names(page) + names(rest) == seen


@pytest.mark.parametrize("path", ["own update", "staff correction", "any update of the row"])
async def test_a_change_of_the_owners_details_brings_the_contact_back_in_the_next_sync(api, path):
    # given a partner in sync with Ada and Bo
    _band, listing, key = await band_with_key()
    ada = await asks(listing, "Ada")
    await asks(listing, "Bo")
    cursor = (await sync(api, key, since=EPOCH))["syncCursor"]
    # when Ada's details change, by whichever path
    if path == "own update":
        variables = {"input": {"name": "Ada Lovelace", "phone": "+1 512 555 0199"}}
        await api.data(UPDATE_PROFILE, variables, token=ada.token)
    elif path == "staff correction":
        clerk = await factories.staff()
        correction = """mutation C($id: ID!) { correctProfileOnRequest(accountId: $id,
          input: {name: "Ada Lovelace"}) { __typename } }"""
        await api.data(correction, {"id": ada.id}, token=clerk.token)
    else:  # as a confirmed change of address writes it, or any path written later
        await Account.filter(id=ada.account.id).update(name="Ada Lovelace")
    # then the next sync answers Ada alone, as she is now
    page = await sync(api, key, cursor=cursor)
    assert names(page) == ["Ada Lovelace"]


async def test_a_change_of_address_is_a_change_and_saving_the_same_details_is_not(api):
    _band, listing, key = await band_with_key()
    ada = await asks(listing, "Ada")
    cursor = (await sync(api, key, since=EPOCH))["syncCursor"]
    # a save that changes nothing of the contact is no change
    await api.data(UPDATE_PROFILE, {"input": {"name": "Ada"}}, token=ada.token)
    await Account.filter(id=ada.account.id).update(pending_email="x@example.com")
    assert names(await sync(api, key, cursor=cursor)) == []
    # a new address is
    await Account.filter(id=ada.account.id).update(email="ada.new@example.com")
    page = await sync(api, key, cursor=cursor)
    assert [edge["node"]["email"] for edge in page["edges"]] == ["ada.new@example.com"]


async def test_changed_since_answers_what_changed_at_or_after_that_time(api):
    _band, listing, key = await band_with_key()
    ada = await asks(listing, "Ada")
    await asks(listing, "Bo")
    later = datetime.now(UTC) + timedelta(seconds=1)
    empty = await sync(api, key, since=later.isoformat())
    assert names(empty) == []
    # a cursor kept from a sync that found nothing stands at its end, not at the start
    assert names(await sync(api, key, cursor=empty["syncCursor"])) == []
    await ContactGrant.filter(owner_id=ada.account.id).update(changed_at=later)
    assert names(await sync(api, key, since=later.isoformat())) == ["Ada"]
    # a time without an offset is UTC
    naive = later.replace(tzinfo=None).isoformat()
    assert names(await sync(api, key, since=naive)) == ["Ada"]


async def test_a_withdrawn_contact_is_neither_answered_nor_counted(api):
    # given three customers, one of whom withdraws after the partner's first sync
    _band, listing, key = await band_with_key()
    await asks(listing, "Ada")
    bo = await asks(listing, "Bo")
    await asks(listing, "Cy")
    cursor = (await sync(api, key, since=EPOCH))["syncCursor"]
    await api.data(WITHDRAW, token=bo.token)
    await api.data(UPDATE_PROFILE, {"input": {"name": "Bo B"}}, token=bo.token)
    # then neither a sync nor its count shows Bo
    assert names(await sync(api, key, cursor=cursor)) == []
    counted = (await api.data(COUNTED, {"since": EPOCH}, token=key))["sharedContacts"]
    assert (names(counted), counted["totalCount"]) == (["Ada", "Cy"], 2)
    plain = await api.data("{ sharedContacts(first: 1) { totalCount } }", token=key)
    assert plain["sharedContacts"]["totalCount"] == 2


async def test_the_listing_filter_answers_the_contacts_of_that_listing_only(api):
    band, listing, key = await band_with_key()
    other = await factories.listing(band, title="Jazz trio")
    await asks(listing, "Ada")
    await asks(other, "Bo")
    page = await sync(api, key, since=EPOCH, listing=str(other.id))
    assert names(page) == ["Bo"]
    by_listing = await api.data(
        "query L($l: ID) { sharedContacts(listingId: $l) { edges { node { name } } } }",
        {"l": str(listing.id)},
        token=key,
    )
    assert names(by_listing["sharedContacts"]) == ["Ada"]
    # an id that is not ours names no listing
    assert names(await sync(api, key, since=EPOCH, listing="x")) == []
    # a cursor belongs to the listing it was read under
    errors = await api.errors(SYNC, {"first": 5, "cursor": page["syncCursor"]}, token=key)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_total_count_is_one_count_and_only_when_asked(api, sql_queries):
    _band, listing, key = await band_with_key()
    for name in ("A", "B", "C"):
        await asks(listing, name)
    query = "query($s: DateTime) { sharedContacts(first: 2, changedSince: $s) { %s } }"
    await sync(api, key, since=EPOCH)  # the key's first use may record itself
    sql_queries.reset()
    await api.data(query % "edges { node { name } }", {"s": EPOCH}, token=key)
    without = sql_queries.count
    sql_queries.reset()
    page = await api.data(query % "edges { node { name } } totalCount", {"s": EPOCH}, token=key)
    assert page["sharedContacts"]["totalCount"] == 3
    assert sql_queries.count == without + 1
    counts = [s for s in sql_queries.statements if "COUNT(" in s.upper()]
    assert len(counts) == 1


async def test_a_sync_page_costs_the_same_queries_whatever_its_size(api, sql_queries):
    _band, listing, key = await band_with_key()
    await asks(listing, "A")
    await sync(api, key, since=EPOCH)  # the key's first use may record itself
    sql_queries.reset()
    assert len(names(await sync(api, key, since=EPOCH))) == 1
    one = sql_queries.count
    for number in range(9):
        await asks(listing, f"N{number}")
    sql_queries.reset()
    assert len(names(await sync(api, key, since=EPOCH))) == 10
    # the key, the clock, the page with its owners, the audit insert, the request log
    assert sql_queries.count == one <= 6


async def test_every_contact_a_sync_answers_is_audited_as_read_through_the_key(api):
    band, listing, key = await band_with_key()
    ada = await asks(listing, "Ada")
    await sync(api, key, since=EPOCH)
    event = await AuditEvent.get(subject_id=ada.account.id, action="CONTACT_READ")
    assert (event.actor_id, event.via) == (band.account.id, "API_KEY")


@pytest.mark.parametrize(
    "arguments",
    [
        {"since": EPOCH, "cursor": "c3luYzoxOjA6MA"},
        {"cursor": "not a cursor"},
        {"cursor": "Y29udGFjdDox"},  # a cursor of the plain pages ("contact:1")
        {"since": EPOCH, "after": "Y29udGFjdDox"},
    ],
)
async def test_bad_sync_arguments_are_a_top_level_bad_user_input(api, arguments):
    _band, listing, key = await band_with_key()
    await asks(listing, "Ada")
    errors = await api.errors(SYNC, {"first": 5} | arguments, token=key)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_cursor_of_another_persons_sync_is_refused(api):
    # given Mallory's own key, and the band's cursor
    _band, listing, key = await band_with_key()
    await asks(listing, "Ada")
    cursor = (await sync(api, key, since=EPOCH))["syncCursor"]
    mallory = await factories.performer(granted=SHARING)
    mallory_key = await factories.api_key(mallory, factories.ApiScope.CONTACTS_READ)
    # then her key cannot resume from it, nor can anyone anonymous
    for token in (mallory_key, None):
        errors = await api.errors(SYNC, {"first": 5, "cursor": cursor}, token=token)
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    # while her own sync sees nothing of the band's
    assert names(await sync(api, mallory_key, since=EPOCH)) == []


async def test_a_sync_cursor_names_neither_the_account_nor_the_clock(api):
    # given a change numbered far along the clock, easy to spot
    band, listing, key = await band_with_key()
    await SyncClock.filter(id=1).update(value=987_654_321)
    await asks(listing, "Ada")
    [grant] = await ContactGrant.filter(recipient_id=band.account.id)
    assert grant.change_seq > 987_654_321
    # when the partner syncs
    page = await sync(api, key, since=EPOCH)
    # then none of its cursors says, in any form, whose it is or where it stands
    for cursor in [page["syncCursor"], page["edges"][0]["cursor"]]:
        for form in decodings(cursor):
            assert str(grant.change_seq).encode() not in form
            assert f":{band.account.id}:".encode() not in form
            assert b"sync" not in form
    # yet it resumes from where it stood
    assert names(await sync(api, key, cursor=page["syncCursor"])) == []


async def test_a_sync_cursor_older_than_the_withdrawals_feed_keeps_is_refused(api, settings):
    band, listing, key = await band_with_key()
    await asks(listing, "Ada")
    days = settings.withdrawal_retention_days

    def handed_out(ago: timedelta) -> str:
        issued = int((datetime.now(UTC) - ago).timestamp())
        place = positions.Position(seq=0, issued=issued)
        return positions.encode_position(positions.SYNC_KIND, band.account.id, None, place)

    # a copy last synced longer ago than the feed keeps endings may hold contacts whose
    # ending it can no longer learn of: it must start again
    for argument in (
        {"cursor": handed_out(timedelta(days=days))},
        {"since": EPOCH, "after": handed_out(timedelta(days=days))},
    ):
        errors = await api.errors(SYNC, {"first": 5} | argument, token=key)
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert errors[0]["message"].startswith("Resync needed")
    # a cursor from within the window works
    recent = handed_out(timedelta(days=days - 1))
    assert names(await sync(api, key, cursor=recent)) == ["Ada"]


async def test_outside_a_sync_pages_are_newest_first_without_a_sync_cursor(api):
    _band, listing, key = await band_with_key()
    await asks(listing, "Ada")
    await asks(listing, "Bo")
    page = (await api.data("{ sharedContacts { edges { node { name } } syncCursor } }", token=key))[
        "sharedContacts"
    ]
    assert (names(page), page["syncCursor"]) == (["Bo", "Ada"], None)


async def test_changes_are_numbered_in_the_order_they_commit(settings):
    """The sync race: a change that commits after another must come after it, whatever
    order the two began in; otherwise a cursor handed out between them skips one."""
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    ada = await asks(listing, "Ada")
    bo = await asks(listing, "Bo")
    first_changed, release = asyncio.Event(), asyncio.Event()

    async def slow_change() -> None:
        async with in_transaction():
            # (the email: a change of name also takes the public pages' version row)
            await Account.filter(id=ada.account.id).update(email="ada2@example.com")
            first_changed.set()
            await release.wait()

    async def fast_change() -> None:
        async with in_transaction():
            await Account.filter(id=bo.account.id).update(email="bo2@example.com")

    slow = asyncio.create_task(slow_change())
    await first_changed.wait()
    # when a second change begins after the first took its number...
    fast = asyncio.create_task(fast_change())
    await asyncio.sleep(0.3)
    waited = not fast.done()
    release.set()
    await asyncio.gather(slow, fast)
    # ...it cannot commit before the first does, and its number comes after
    assert waited
    ada_grant = await ContactGrant.get(owner_id=ada.account.id)
    bo_grant = await ContactGrant.get(owner_id=bo.account.id)
    assert ada_grant.change_seq < bo_grant.change_seq


# The partner's side, as docs/partners.md shows it, against a live server.
PARTNER_GUIDE = Path(__file__).resolve().parent.parent / "docs" / "partners.md"
DEMO_PERFORMER = ("groove@demo.backline.example", "backline-demo")


def documented(name: str) -> Callable:
    """The function `name` as defined by a Python example of docs/partners.md."""
    for code in re.findall(r"```python\n(.*?)```", PARTNER_GUIDE.read_text(), re.DOTALL):
        if f"def {name}(" in code:
            namespace: dict = {}
            exec(code, namespace)  # noqa: S102 (our own documentation)
            return namespace[name]
    raise LookupError(name)


class Live:
    def __init__(self, server) -> None:
        self.server = server

    def ask(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(
            f"{self.server.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    def deliver_webhooks(self) -> None:
        main = Path(__file__).resolve().parent.parent / "main.py"
        result = subprocess.run(
            [sys.executable, str(main), "webhook-worker", "--once"],
            env=self.server.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr


def test_the_documented_sync_loop_and_receiver_see_a_new_a_changed_and_a_withdrawn_share(
    live_server,
):
    live = Live(live_server)
    login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ... on AuthPayload { token } } }"  # noqa: E501
    band = live.ask(login, {"e": DEMO_PERFORMER[0], "p": DEMO_PERFORMER[1]})["login"]["token"]
    key = live.ask(
        'mutation { createApiKey(input: {name: "CRM", scopes: [CONTACTS_READ, LISTINGS_READ]}) '
        "{ ... on ApiKey { id token } } }",
        token=band,
    )["createApiKey"]
    listing = live.ask("{ me { listings { id } } }", token=band)["me"]["listings"][0]["id"]
    # the partner's receiver and handler (the guide's), on loopback, and its endpoint
    port = free_port()
    endpoint = live.ask(
        "mutation($i: WebhookEndpointInput!) { createWebhookEndpoint(input: $i) "
        "{ __typename ... on WebhookEndpoint { secret } ... on ValidationError { message } } }",
        {
            "i": {
                "apiKeyId": key["id"],
                "url": f"http://127.0.0.1:{port}/backline",
                "events": ["CONTACT_SHARED", "SHARE_ENDED", "INQUIRY_RECEIVED"],
                "acknowledgeDeletionDuty": True,
            }
        },
        token=band,
    )["createWebhookEndpoint"]
    assert endpoint["__typename"] == "WebhookEndpoint", endpoint
    sync, store = documented("sync"), {}
    handle = documented("handler")(live_server.url, key["token"], store, sync)
    events: list[dict] = []

    def handle_and_keep(event: dict) -> None:
        events.append(event)
        handle(event)

    server = ThreadingHTTPServer(
        ("127.0.0.1", port), documented("receiver")(endpoint["secret"], handle_and_keep)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sync(live_server.url, key["token"], store)  # what the demo data shared already
        # a new share: Dana asks the band
        dana = live.ask(
            'mutation { register(input: {name: "Dana", email: "dana@partner-sync.example", '
            'password: "a long enough password", role: CUSTOMER, consents: {promotionalEmails: '
            "false, partnerPromotions: false, contactSharing: true, targetedAds: false}}) "
            "{ ... on AuthPayload { token } } }"
        )["register"]["token"]
        live.ask(
            "mutation($l: ID!, $d: String!) { sendBookingInquiry(input: {listingId: $l, "
            'eventDate: $d, eventType: "Wedding", message: "Free that night?"}) { __typename } }',
            {"l": listing, "d": (datetime.now(UTC) + timedelta(days=60)).date().isoformat()},
            token=dana,
        )
        share = live.ask("{ me { contactShares { id } } }", token=dana)["me"]["contactShares"]
        share_id = share[0]["id"]
        # the events arrive, and the receiver reads what they name through the API
        live.deliver_webhooks()
        assert store["contacts"][share_id]["email"] == "dana@partner-sync.example"
        [inquiry] = [i for i in store["inquiries"].values() if i["message"] == "Free that night?"]
        assert inquiry["askedBy"] == {"name": "Dana"}
        # that read, and no other, is in Dana's audit trail: through the partner's key
        export = live.ask("{ myDataExport }", token=dana)["myDataExport"]
        reads = [e for e in export["auditEvents"] if e["action"] == "CONTACT_READ"]
        assert [(e["via"], e["apiKeyId"], e["grantId"]) for e in reads] == [
            ("API_KEY", int(key["id"]), int(share_id))
        ]
        # a changed one: Dana corrects her name
        live.ask(
            'mutation { updateProfile(input: {name: "Dana Scully"}) { __typename } }', token=dana
        )
        assert sync(live_server.url, key["token"], store) == [f"changed {share_id}"]
        assert store["contacts"][share_id]["name"] == "Dana Scully"
        # a withdrawal: Dana revokes the share, and the receiver's sync deletes the copy
        live.ask(
            "mutation($i: ID!) { revokeContactShare(id: $i) { __typename } }",
            {"i": share_id},
            token=dana,
        )
        live.deliver_webhooks()
        live.deliver_webhooks()
        assert share_id not in store["contacts"]
        assert sync(live_server.url, key["token"], store) == []
    finally:
        server.shutdown()
        server.server_close()
    # the receiver got each event once, each verified by the library, and none of them
    # carried anything of Dana's
    assert [(event["type"], event["data"].get("shareId")) for event in events] == [
        ("INQUIRY_RECEIVED", None),
        ("CONTACT_SHARED", share_id),
        ("SHARE_ENDED", share_id),
    ]
    sent = json.dumps(events)
    assert "Dana" not in sent and "dana@" not in sent and "Free that night" not in sent


def test_the_migration_numbers_existing_shares_and_lists_those_already_ended(tmp_path):
    """Shares made before migration 0017 get their place in syncs, and those that had
    ended are in the withdrawals feed: a partner deletes what it copied before too."""
    import importlib

    from tortoise.connection import get_connection
    from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

    import db
    from settings import Settings

    partner_sync = importlib.import_module("models.migrations.0016_partner_sync")
    [(_, before)] = partner_sync.Migration.dependencies
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"

    async def migrate_with_old_shares() -> tuple[list, list, list]:
        async with db.database(Settings(database_url=url)):
            connection = get_connection("default")
            apps = db.tortoise_config(url)["apps"]
            target = MigrationTarget(app_label="models", name=before)
            await MigrationExecutor(connection, apps).migrate([target])
            await connection.execute_script(OLD_SHARES)
            await MigrationExecutor(connection, apps).migrate()
            query = connection.execute_query_dict
            return (
                await query("SELECT id, change_seq FROM contact_grant ORDER BY id"),
                await query("SELECT grant_id, recipient_id, seq FROM share_ended"),
                await query("SELECT value FROM sync_clock"),
            )

    grants, ended, clock = asyncio.run(migrate_with_old_shares())
    assert grants == [{"id": 1, "change_seq": 1}, {"id": 2, "change_seq": 2}]
    assert ended == [{"grant_id": 2, "recipient_id": 1, "seq": 4}]
    assert clock == [{"value": 4}]


OLD_SHARES = """
INSERT INTO account (id, name, email, password_hash, role, status, policy_version_id, created_at)
VALUES (1, 'A', 'a@x.example', 'h', 'CUSTOMER', 'ACTIVE', 1, '2024-01-01 00:00:00+00:00'),
       (2, 'B', 'b@x.example', 'h', 'PERFORMER', 'ACTIVE', 1, '2024-01-01 00:00:00+00:00');
INSERT INTO listing (id, owner_id, title, category, city, state, description, in_directory,
                     created_at, updated_at, revision)
VALUES (1, 2, 't', 'Band', 'Austin', 'TX', 'd', 1, '2024-01-01 00:00:00+00:00',
        '2024-01-01 00:00:00+00:00', 0);
INSERT INTO booking_inquiry (id, customer_id, listing_id, performer_id, event_date, event_type,
                             message, created_at)
VALUES (1, 1, 1, 2, '2030-01-01', 'W', 'm', '2024-01-01 00:00:00+00:00');
INSERT INTO contact_grant (id, owner_id, recipient_id, inquiry_id, created_at, revoked_at)
VALUES (1, 1, 2, 1, '2024-01-02 00:00:00+00:00', NULL),
       (2, 2, 1, 1, '2024-01-02 00:00:00+00:00', '2024-02-01 00:00:00+00:00');
"""
