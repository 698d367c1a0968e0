"""Ads: Backline gives the ad network nothing about anyone; it tells the frontend, for
any caller, whether this request may load targeted ads or only generic ones, decided
from the consent ledger and the request's Global Privacy Control signal."""

from __future__ import annotations

import asyncio

from models.accounts import Account, AccountStatus, Role
from models.api_keys import ApiScope
from models.purposes import Purpose
from privacy import ads
from tests import factories

ADS = "{ adsPolicy { targeted reason } }"
TARGETED = {"targeted": True, "reason": "CONSENTED"}


async def policy(api, *, token: str | None = None, gpc: str | None = None) -> dict:
    headers = {"Sec-GPC": gpc} if gpc is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await api.http.post("/graphql", json={"query": ADS}, headers=headers)
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["adsPolicy"]


async def test_an_anonymous_visitor_gets_generic_ads_with_or_without_the_signal(api):
    # given nobody signed in
    # when the frontend asks, without and with Global Privacy Control
    plain = await policy(api)
    signalled = await policy(api, gpc="1")
    # then generic ads only: nobody's consent is recorded for an anonymous caller
    assert plain == {"targeted": False, "reason": "NOT_SIGNED_IN"}
    assert signalled == {"targeted": False, "reason": "GLOBAL_PRIVACY_CONTROL"}


async def test_targeted_ads_only_while_the_person_consents(api):
    # given one person who consents to targeted ads and one who does not
    ada = await factories.customer(granted=(Purpose.TARGETED_ADS,))
    bob = await factories.customer(granted=tuple(set(Purpose) - {Purpose.TARGETED_ADS}))
    # then only she may be shown targeted ads
    assert await policy(api, token=ada.token) == TARGETED
    assert await policy(api, token=bob.token) == {"targeted": False, "reason": "NOT_CONSENTED"}
    # and from the moment she withdraws, her ads are generic
    await api.data(
        "mutation { updatePrivacyPreferences(input: {targetedAds: false}) { __typename } }",
        token=ada.token,
    )
    assert await policy(api, token=ada.token) == {"targeted": False, "reason": "NOT_CONSENTED"}


async def test_the_signal_makes_the_ads_of_that_very_request_generic(api):
    # given someone who consents to targeted ads
    ada = await factories.customer(granted=(Purpose.TARGETED_ADS,))
    # when her browser sends Global Privacy Control
    signalled = await policy(api, token=ada.token, gpc="1")
    # then that very answer says generic, and so do the next ones without the signal
    assert signalled == {"targeted": False, "reason": "GLOBAL_PRIVACY_CONTROL"}
    assert await policy(api, token=ada.token) == {"targeted": False, "reason": "NOT_CONSENTED"}
    # any value but "1" is not the signal
    bob = await factories.customer(granted=(Purpose.TARGETED_ADS,))
    assert await policy(api, token=bob.token, gpc="0") == TARGETED


async def test_turning_targeted_ads_back_on_after_the_signal_stands(api):
    # given someone whose browser's signal turned targeted ads off
    ada = await factories.customer(granted=(Purpose.TARGETED_ADS,))
    await policy(api, token=ada.token, gpc="1")
    # when she turns them back on herself, her browser still sending the signal
    response = await api.http.post(
        "/graphql",
        json={
            "query": "mutation { updatePrivacyPreferences(input: {targetedAds: true}) "
            "{ __typename } }"
        },
        headers={"Sec-GPC": "1", "Authorization": f"Bearer {ada.token}"},
    )
    assert response.json()["data"]["updatePrivacyPreferences"]["__typename"] == (
        "PrivacyPreferences"
    )
    # then her explicit choice, made after the signal, stands (privacy/gpc.py)
    assert await policy(api, token=ada.token, gpc="1") == TARGETED


async def test_an_api_key_is_not_a_person_and_gets_generic_ads(api):
    # given a consenting person's key
    ada = await factories.performer(granted=(Purpose.TARGETED_ADS,))
    key = await factories.api_key(ada, ApiScope.CONTACTS_READ)
    # then a key, a tool and not a browser, is told generic
    assert await policy(api, token=key) == {"targeted": False, "reason": "NOT_SIGNED_IN"}


def test_a_closed_account_is_never_targeted_whatever_its_choices_say():
    closed = Account(id=1, role=Role.CUSTOMER, status=AccountStatus.CANCELLED)
    open_ = Account(id=2, role=Role.CUSTOMER, status=AccountStatus.ACTIVE)
    assert ads.decide(closed, consents=True, gpc_signal=False) == ads.AdsPolicy(
        False, ads.AdsReason.NOT_CONSENTED
    )
    assert ads.decide(open_, consents=True, gpc_signal=False).targeted is True
    assert ads.decide(None, consents=True, gpc_signal=False).targeted is False


async def test_nothing_about_anyone_can_be_read_for_the_ad_network(api):
    # given a staff member, who once could make the ad partner's key
    staff = await factories.staff()
    # then the scope and the query are gone from the schema
    errors = await api.errors(
        'mutation { createApiKey(input: {name: "Ads", scopes: [ADS_AUDIENCE]}) { __typename } }',
        token=staff.token,
    )
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    errors = await api.errors("{ adsAudience { edges { cursor } } }", token=staff.token)
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    # and no key scope reads anything about people but what members share with each other
    assert set(ApiScope) == {ApiScope.CONTACTS_READ, ApiScope.LISTINGS_READ}


async def test_many_requests_at_once_each_get_their_own_answer(api):
    ada = await factories.customer(granted=(Purpose.TARGETED_ADS,))
    answers = await asyncio.gather(
        *(policy(api, token=ada.token if n % 2 else None) for n in range(6))
    )
    assert answers == [
        TARGETED if n % 2 else {"targeted": False, "reason": "NOT_SIGNED_IN"} for n in range(6)
    ]


OLD_AD_KEYS = """
INSERT INTO account (id, name, email, password_hash, role, status, policy_version_id, created_at)
VALUES (1, 'S', 's@x.example', 'h', 'STAFF', 'ACTIVE', 1, '2024-01-01 00:00:00+00:00');
INSERT INTO api_key (id, owner_id, name, scopes, token_hash, created_at, revoked_at)
VALUES (1, 1, 'Ad network', 'ADS_AUDIENCE', 'a', '2024-01-01 00:00:00+00:00', NULL),
       (2, 1, 'Both', 'ADS_AUDIENCE CONTACTS_READ', 'b', '2024-01-01 00:00:00+00:00', NULL),
       (3, 1, 'Old', 'ADS_AUDIENCE', 'c', '2024-01-01 00:00:00+00:00',
        '2024-06-01 00:00:00+00:00'),
       (4, 1, 'CRM', 'CONTACTS_READ LISTINGS_READ', 'd', '2024-01-01 00:00:00+00:00', NULL);
INSERT INTO audit_event (id, action, actor_id, via, api_key_id, detail, recorded_at)
VALUES (1, 'ADS_AUDIENCE_READ', 1, 'API_KEY', 1, '{"count": 3}', '2024-02-01 00:00:00+00:00');
"""


def test_the_migration_revokes_every_ad_partner_key_and_keeps_the_record_of_past_reads(
    tmp_path,
):
    """Keys made for the ad partner before 0021 stop working at once; the record of
    what they read stays readable."""
    import importlib
    from datetime import datetime

    from tortoise.connection import get_connection
    from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

    import db
    from models.api_keys import ApiKey
    from models.audit import AuditAction, AuditEvent
    from settings import Settings

    migration = importlib.import_module("models.migrations.0021_issue_22")
    [(_, before)] = migration.Migration.dependencies
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"

    async def migrate_with_old_keys() -> tuple[list[ApiKey], list[AuditEvent]]:
        async with db.database(Settings(database_url=url)):
            connection = get_connection("default")
            apps = db.tortoise_config(url)["apps"]
            target = MigrationTarget(app_label="models", name=before)
            await MigrationExecutor(connection, apps).migrate([target])
            await connection.execute_script(OLD_AD_KEYS)
            await MigrationExecutor(connection, apps).migrate()
            return await ApiKey.all().order_by("id"), await AuditEvent.all()

    keys, events = asyncio.run(migrate_with_old_keys())
    # every key that held the scope is revoked, and the scope is gone from each
    assert [(key.id, key.scopes, key.revoked_at is not None) for key in keys] == [
        (1, "", True),
        (2, "CONTACTS_READ", True),
        (3, "", True),
        (4, "CONTACTS_READ LISTINGS_READ", False),
    ]
    assert all(isinstance(key.revoked_at, datetime) for key in keys[:3])
    assert [key.scope_set for key in keys][1] == {ApiScope.CONTACTS_READ}
    # a key revoked before keeps its date; the audit record of past reads still loads
    assert keys[2].revoked_at.isoformat().startswith("2024-06-01")
    assert [(event.action, event.detail) for event in events] == [
        (AuditAction.ADS_AUDIENCE_READ, {"count": 3})
    ]


def test_each_caller_gets_exactly_one_answer_and_its_reason():
    open_ = Account(id=2, role=Role.CUSTOMER, status=AccountStatus.ACTIVE)
    closed = Account(id=1, role=Role.CUSTOMER, status=AccountStatus.CANCELLED)
    targeted = ads.AdsPolicy(True, ads.AdsReason.CONSENTED)
    gpc = ads.AdsPolicy(False, ads.AdsReason.GLOBAL_PRIVACY_CONTROL)
    anonymous = ads.AdsPolicy(False, ads.AdsReason.NOT_SIGNED_IN)
    declined = ads.AdsPolicy(False, ads.AdsReason.NOT_CONSENTED)
    # (person, consents, signal) -> the answer: the ledger's yes wins only for an open account
    cases = {
        (open_, True, False): targeted,
        (open_, True, True): targeted,
        (open_, False, False): declined,
        (open_, False, True): gpc,
        (closed, True, True): gpc,
        (closed, False, False): declined,
        (None, True, False): anonymous,
        (None, False, False): anonymous,
        (None, True, True): gpc,
    }
    for (person, consents, signal), answer in cases.items():
        assert ads.decide(person, consents=consents, gpc_signal=signal) == answer, (
            person and person.status, consents, signal,
        )  # fmt: skip
