"""Staff act on requests received by email or phone, and on legal obligations; each
action is recorded, and no one else can take it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from models.accounts import Account, AccountStatus, ConsentEvent, Role
from models.audit import AuditAction, AuditEvent
from models.purposes import ConsentSource, Purpose
from models.retention import LegalHold
from privacy import consent
from tests import factories

PREFERENCES = """
mutation Prefs($id: ID!) {
  updatePrivacyPreferencesOnRequest(input: {accountId: $id, choices: {promotionalEmails: false}}) {
    __typename ... on PrivacyPreferences { promotionalEmails partnerPromotions }
  }
}
"""
CANCEL = """
mutation Cancel($id: ID!) {
  cancelAccountOnRequest(accountId: $id) { __typename ... on AccountCancelled { purgeAfter } }
}
"""
HOLD = """
mutation Hold($id: ID!, $reason: String!, $endsAt: DateTime) {
  placeLegalHold(input: {accountId: $id, reason: $reason, endsAt: $endsAt}) {
    __typename ... on LegalHold { id } ... on ValidationError { field }
  }
}
"""
LIFT = """mutation Lift($id: ID!) {
  liftLegalHold(id: $id) { __typename ... on LegalHold { liftedAt } } }"""
DISCLOSE = """
mutation Disclose($id: ID!) {
  recordLegalDisclosure(input: {accountId: $id, authority: "County Court",
    legalReference: "Order 2026-114", dataDisclosed: ["email address", "booking inquiries"]}) {
    __typename ... on AuditEvent { action detail }
  }
}
"""
REMOVE_LISTING = "mutation R($id: ID!) { removeListingFromDirectory(id: $id) { __typename } }"
EXPORT = "{ myDataExport }"


async def test_staff_record_an_opt_out_received_by_phone(api):
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS, Purpose.PARTNER_PROMOTIONS))
    clerk = await factories.staff()
    result = (await api.data(PREFERENCES, {"id": ada.id}, token=clerk.token))[
        "updatePrivacyPreferencesOnRequest"
    ]
    assert result == {
        "__typename": "PrivacyPreferences",
        "promotionalEmails": False,
        "partnerPromotions": True,
    }
    event = await ConsentEvent.filter(account_id=ada.account.id).order_by("-id").first()
    assert (event.purpose, event.granted, event.source) == (
        "PROMOTIONAL_EMAILS",
        False,
        "STAFF_REQUEST",
    )
    audit = await AuditEvent.get(action=AuditAction.CONSENT_CHANGED_BY_STAFF)
    assert (audit.actor_id, audit.subject_id) == (clerk.account.id, ada.account.id)


async def test_staff_cancel_an_account_on_request_and_the_log_says_who(api):
    ada = await factories.customer()
    clerk = await factories.staff()
    result = (await api.data(CANCEL, {"id": ada.id}, token=clerk.token))["cancelAccountOnRequest"]
    assert result["__typename"] == "AccountCancelled"
    assert (await Account.get(id=ada.account.id)).status == AccountStatus.CANCELLED
    audit = await AuditEvent.get(action=AuditAction.ACCOUNT_CANCELLED_BY_STAFF)
    assert (audit.actor_id, audit.subject_id) == (clerk.account.id, ada.account.id)
    sources = set(
        await ConsentEvent.filter(account_id=ada.account.id, granted=False).values_list(
            "source", flat=True
        )
    )
    assert "STAFF_REQUEST" in sources
    unknown = await api.data(CANCEL, {"id": "999999"}, token=clerk.token)
    assert unknown["cancelAccountOnRequest"]["__typename"] == "NotFound"


OFFICE_IP = "198.51.100.20"  # where the clerk works from
PERSON_IP = "203.0.113.9"  # the address tests/conftest.py gives every other API request
CHOICES = "{ me { consentHistory { purpose source enteredByStaff } } }"
STAFF_AUDIT = """query Audit($id: ID!) {
  auditEvents(accountId: $id) { edges { node { action actorId actorIp } } } }"""


@pytest.fixture
async def office(settings):
    """The API as the clerk's office reaches it, from an address of its own."""
    import httpx

    from main import create_app
    from tests.graphql import GraphQLClient

    transport = httpx.ASGITransport(app=create_app(settings), client=(OFFICE_IP, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


async def test_a_choice_staff_enter_names_them_and_their_address_stays_out_of_the_ledger(
    api, office
):
    # given Ada, who made one choice herself, from her own address
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    clerk = await factories.staff()
    await api.data(
        "mutation { updatePrivacyPreferences(input: {targetedAds: false}) { __typename } }",
        token=ada.token,
    )
    # when a clerk enters her opt-out, received by phone, from the office
    await office.data(PREFERENCES, {"id": ada.id}, token=clerk.token)
    # then her ledger holds the choice as hers, entered by the clerk, with no address
    rows = await ConsentEvent.filter(account_id=ada.account.id).order_by("-id").limit(2)
    entered, own = rows
    assert (entered.source, entered.ip, entered.entered_by_id) == (
        "STAFF_REQUEST",
        None,
        clerk.account.id,
    )
    assert (own.source, own.ip, own.entered_by_id) == ("SETTINGS", PERSON_IP, None)
    # and the clerk's address is with the clerk's own audit event, which staff read
    audit = await AuditEvent.get(action=AuditAction.CONSENT_CHANGED_BY_STAFF)
    assert (audit.actor_id, audit.actor_ip) == (clerk.account.id, OFFICE_IP)
    shown = await api.data(STAFF_AUDIT, {"id": ada.id}, token=clerk.token)
    assert shown["auditEvents"]["edges"][0]["node"] == {
        "action": "CONSENT_CHANGED_BY_STAFF",
        "actorId": clerk.id,
        "actorIp": OFFICE_IP,
    }
    # and her export says who entered it, and holds no address of the clerk's anywhere
    export = (await api.data(EXPORT, token=ada.token))["myDataExport"]
    latest = export["consentHistory"][-1]
    assert (latest["source"], latest["ip"], latest["enteredBy"]) == (
        "STAFF_REQUEST",
        None,
        clerk.account.id,
    )
    assert export["consentHistory"][-2]["ip"] == PERSON_IP
    assert OFFICE_IP not in json.dumps(export)
    # and so does her consent history
    history = (await api.data(CHOICES, token=ada.token))["me"]["consentHistory"]
    assert [(c["source"], c["enteredByStaff"]) for c in history[:2]] == [
        ("STAFF_REQUEST", True),
        ("SETTINGS", False),
    ]


async def test_a_cancellation_staff_enter_keeps_their_address_out_of_the_ledger(api, office):
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    clerk = await factories.staff()
    # when a clerk cancels her account on her request, from the office
    await office.data(CANCEL, {"id": ada.id}, token=clerk.token)
    # then every withdrawal names the clerk and carries no address
    withdrawals = await ConsentEvent.filter(account_id=ada.account.id, source="STAFF_REQUEST")
    assert len(withdrawals) == len(Purpose)
    assert {(row.ip, row.entered_by_id) for row in withdrawals} == {(None, clerk.account.id)}
    # and the address is the clerk's audit event's
    audit = await AuditEvent.get(action=AuditAction.ACCOUNT_CANCELLED_BY_STAFF)
    assert audit.actor_ip == OFFICE_IP
    assert not await ConsentEvent.filter(ip=OFFICE_IP).exists()


async def test_the_ledger_refuses_a_staff_entry_carrying_an_address_or_naming_no_one(settings):
    from models.purposes import ConsentSource
    from privacy import consent

    ada = await factories.customer()
    clerk = await factories.staff()
    before = await ConsentEvent.all().count()
    attempts = [
        (ConsentSource.STAFF_REQUEST, OFFICE_IP, clerk.account),
        (ConsentSource.STAFF_REQUEST, None, None),
        (ConsentSource.SETTINGS, None, clerk.account),
    ]
    for source, ip, entered_by in attempts:
        with pytest.raises(ValueError):
            await consent.record_choices(
                ada.account, {Purpose.TARGETED_ADS: True}, source, ip, entered_by=entered_by
            )
    assert await ConsentEvent.all().count() == before


async def test_staff_removing_a_listing_on_request_is_logged(api):
    band = await factories.performer()
    clerk = await factories.staff()
    listing = await factories.listing(band)
    await api.data(REMOVE_LISTING, {"id": str(listing.id)}, token=clerk.token)
    audit = await AuditEvent.get(action=AuditAction.LISTING_REMOVED_BY_STAFF)
    assert (audit.actor_id, audit.subject_id, audit.detail) == (
        clerk.account.id,
        band.account.id,
        {"listing_id": listing.id},
    )


async def test_a_disclosure_is_hidden_from_the_person_while_a_hold_says_so(api):
    # given a hold and a disclosure
    ada = await factories.customer()
    clerk = await factories.staff()
    hold = (await api.data(HOLD, {"id": ada.id, "reason": "Sealed order"}, token=clerk.token))[
        "placeLegalHold"
    ]
    disclosed = (await api.data(DISCLOSE, {"id": ada.id}, token=clerk.token))[
        "recordLegalDisclosure"
    ]
    assert disclosed["detail"]["authority"] == "County Court"
    # then Ada's export shows neither the disclosure nor the hold while the hold stands
    export = (await api.data(EXPORT, token=ada.token))["myDataExport"]
    assert export["auditEvents"] == []
    assert "legalHolds" not in export and "legal_holds" not in export
    assert "LEGAL_HOLD" not in json.dumps(export)
    # and shows it once the hold is lifted
    lifted = (await api.data(LIFT, {"id": hold["id"]}, token=clerk.token))["liftLegalHold"]
    assert lifted["liftedAt"] is not None
    actions = {
        e["action"]
        for e in (await api.data(EXPORT, token=ada.token))["myDataExport"]["auditEvents"]
    }
    assert {"LEGAL_DISCLOSURE", "LEGAL_HOLD_PLACED", "LEGAL_HOLD_LIFTED"} <= actions
    # and a lifted hold cannot be lifted again
    again = (await api.data(LIFT, {"id": hold["id"]}, token=clerk.token))["liftLegalHold"]
    assert again["__typename"] == "NotFound"


async def test_bad_holds_are_refused_and_store_nothing(api):
    ada = await factories.customer()
    clerk = await factories.staff()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for variables, field in (
        ({"id": ada.id, "reason": " "}, "reason"),
        ({"id": ada.id, "reason": "Order", "endsAt": past}, "endsAt"),
    ):
        result = (await api.data(HOLD, variables, token=clerk.token))["placeLegalHold"]
        assert (result["__typename"], result["field"]) == ("ValidationError", field)
    missing = await api.data(HOLD, {"id": "424242", "reason": "x"}, token=clerk.token)
    assert missing["placeLegalHold"]["__typename"] == "NotFound"
    assert not await LegalHold.exists()


STAFF_OPERATIONS = [
    (PREFERENCES, "updatePrivacyPreferencesOnRequest"),
    (CANCEL, "cancelAccountOnRequest"),
    (DISCLOSE, "recordLegalDisclosure"),
    (
        'mutation H($id: ID!) { placeLegalHold(input: {accountId: $id, reason: "r"}) '
        "{ __typename } }",
        "placeLegalHold",
    ),
    (
        'mutation { sendPromotion(input: {subject: "s", body: "b"}) { __typename } }',
        "sendPromotion",
    ),
    (
        'mutation { publishPolicyVersion(input: {version: "v", summary: "s", '
        'materialChange: false, effectiveAt: "2030-01-01T00:00:00+00:00"}) { __typename } }',
        "publishPolicyVersion",
    ),
]
STAFF_QUERIES = [
    "query Q($id: ID!) { legalHolds(accountId: $id) { id } }",
    "query Q($id: ID!) { auditEvents(accountId: $id) { edges { node { id } } } }",
    "query { outboundEmails { edges { node { id } } } }",
]


@pytest.mark.parametrize("caller", ["customer", "performer", "api key", "anonymous"])
async def test_staff_operations_are_refused_to_everyone_else(api, caller):
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    band = await factories.performer()
    token = {
        "customer": ada.token,
        "performer": band.token,
        "api key": await factories.api_key(
            band, factories.ApiScope.CONTACTS_READ, factories.ApiScope.LISTINGS_READ
        ),
        "anonymous": None,
    }[caller]
    events_before = await AuditEvent.all().count()
    for mutation, name in STAFF_OPERATIONS:
        result = (await api.data(mutation, {"id": ada.id}, token=token))[name]
        assert result["__typename"] == "NotAuthorized", name
    for query in STAFF_QUERIES:
        result = next(iter((await api.data(query, {"id": ada.id}, token=token)).values()))
        assert result in ([], {"edges": []}), query
    assert (await Account.get(id=ada.account.id)).status == AccountStatus.ACTIVE
    assert await AuditEvent.all().count() == events_before
    assert not await LegalHold.exists()


OLD_STAFF_ENTRIES = """
INSERT INTO account (id, name, email, password_hash, role, status, policy_version_id, created_at)
VALUES (1, 'Ada', 'ada@x.example', 'h', 'CUSTOMER', 'ACTIVE', 1, '2024-01-01 00:00:00+00:00'),
       (2, 'Clerk', 'clerk@x.example', 'h', 'STAFF', 'ACTIVE', 1, '2024-01-01 00:00:00+00:00');
INSERT INTO consent_event (id, account_id, purpose, granted, source, policy_version_id, ip,
                           recorded_at)
VALUES (1, 1, 'TARGETED_ADS', FALSE, 'SETTINGS', 1, '203.0.113.9', '2024-02-01 10:00:00+00:00'),
       (2, 1, 'PROMOTIONAL_EMAILS', FALSE, 'STAFF_REQUEST', 1, '198.51.100.20',
        '2024-03-01 10:00:00.100000+00:00'),
       (3, 1, 'PARTNER_PROMOTIONS', TRUE, 'STAFF_REQUEST', 1, '198.51.100.21',
        '2024-05-01 10:00:00+00:00');
INSERT INTO audit_event (id, action, actor_id, subject_id, detail, recorded_at)
VALUES (1, 'CONSENT_CHANGED_BY_STAFF', 2, 1, '{}', '2024-03-01 10:00:00.200000+00:00'),
       (2, 'CONSENT_CHANGED_BY_STAFF', 2, 1, '{}', '2024-04-01 10:00:00+00:00');
"""


def _migration_databases() -> list[str]:
    from tests.conftest import POSTGRES_URL

    return ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


@pytest.mark.parametrize("dialect", _migration_databases())
def test_the_migration_moves_a_clerks_old_address_out_of_the_persons_ledger(tmp_path, dialect):
    """Entries staff made before 0021 recorded the clerk's address as the person's: it
    moves to the staff member's audit event of the same moment, or is dropped. On
    PostgreSQL the test database is rebuilt from empty, as the session fixture builds it."""
    import asyncio
    import importlib

    from tortoise.connection import get_connection
    from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

    import db
    from settings import Settings
    from tests.conftest import POSTGRES_URL

    migration = importlib.import_module("models.migrations.0021_issue_22")
    [(_, before)] = migration.Migration.dependencies
    url = POSTGRES_URL if dialect == "postgres" else f"sqlite://{tmp_path / 'old.sqlite3'}"

    async def migrate_with_old_entries() -> tuple[list, list]:
        async with db.database(Settings(database_url=url)):
            connection = get_connection("default")
            if dialect == "postgres":
                await connection.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            apps = db.tortoise_config(url)["apps"]
            target = MigrationTarget(app_label="models", name=before)
            await MigrationExecutor(connection, apps).migrate([target])
            await connection.execute_script(OLD_STAFF_ENTRIES)
            await MigrationExecutor(connection, apps).migrate()
            entries = (
                await ConsentEvent.all().order_by("id").values_list("id", "ip", "entered_by_id")
            )
            audit = await AuditEvent.all().order_by("id").values_list("id", "actor_ip")
            return list(map(tuple, entries)), list(map(tuple, audit))

    entries, audit = asyncio.run(migrate_with_old_entries())
    # the person's own choice keeps her address; staff entries keep none of theirs
    assert entries == [(1, "203.0.113.9", None), (2, None, 2), (3, None, None)]
    # the address moved to the audit event of the same moment; one without it is dropped
    assert audit == [(1, "198.51.100.20"), (2, None)]


def test_a_ledger_entry_names_staff_or_carries_the_persons_ip_never_both():
    clerk = Account(id=9, role=Role.STAFF, status=AccountStatus.ACTIVE)
    # the person's own choice carries their IP, or none; a staff entry names staff, no IP
    consent.ensure_origin(ConsentSource.SETTINGS, "203.0.113.5", None)
    consent.ensure_origin(ConsentSource.REGISTRATION, None, None)
    consent.ensure_origin(ConsentSource.STAFF_REQUEST, None, clerk)
    # and every mix-up is refused, saying which
    named = "a choice staff enter names them, and only such a choice does"
    with pytest.raises(ValueError, match=f"^{named}$"):
        consent.ensure_origin(ConsentSource.STAFF_REQUEST, None, None)
    with pytest.raises(ValueError, match=f"^{named}$"):
        consent.ensure_origin(ConsentSource.SETTINGS, None, clerk)
    no_ip = "a choice staff entered carries no IP: theirs is not the person's"
    with pytest.raises(ValueError, match=f"^{no_ip}$"):
        consent.ensure_origin(ConsentSource.STAFF_REQUEST, "198.51.100.7", clerk)
