"""Staff act on requests received by email or phone, and on legal obligations; each
action is recorded, and no one else can take it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from models.accounts import Account, AccountStatus, ConsentEvent
from models.audit import AuditAction, AuditEvent
from models.purposes import Purpose
from models.retention import LegalHold
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
