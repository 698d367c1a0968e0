"""Staff act on requests without guessing ids: they find the person by their exact
address (every lookup audited, a miss without the address), and correct a profile or a
listing at the person's request under the same checks as the person's own changes,
recorded as staff's. Nobody else can do any of it."""

from __future__ import annotations

import json

import pytest

from models.accounts import Account
from models.audit import AuditAction, AuditEvent
from models.listings import Listing
from privacy.privacy_requests import lookup_fingerprint
from tests import factories

FIND = """
query Find($email: String!) {
  findAccountByEmail(email: $email) { id name role status createdAt cancelledAt }
}
"""
CORRECT_PROFILE = """
mutation Correct($id: ID!, $input: StaffProfileCorrectionInput!) {
  correctProfileOnRequest(accountId: $id, input: $input) {
    __typename
    ... on AccountSummary { id name }
    ... on ValidationError { field }
  }
}
"""
CORRECT_LISTING = """
mutation CorrectListing($id: ID!, $input: StaffListingCorrectionInput!) {
  correctListingOnRequest(listingId: $id, input: $input) {
    __typename
    ... on Listing { id title city description }
    ... on ValidationError { field }
  }
}
"""
FILE = """
mutation { filePrivacyRequest(input: {kind: CORRECTION, message: "My name is misspelt."}) {
  ... on PrivacyRequest { id } } }
"""
RESOLVE = "mutation R($id: ID!) { resolvePrivacyRequest(id: $id) { __typename } }"
PUBLIC_LISTING = "query L($id: ID!) { listing(id: $id) { title city } }"
READS = (factories.ApiScope.CONTACTS_READ, factories.ApiScope.LISTINGS_READ)


async def find(api, token, email: str) -> dict | None:
    return (await api.data(FIND, {"email": email}, token=token))["findAccountByEmail"]


async def correct_profile(api, token, account_id: str, **input) -> dict:
    variables = {"id": account_id, "input": input}
    return (await api.data(CORRECT_PROFILE, variables, token=token))["correctProfileOnRequest"]


async def correct_listing(api, token, listing_id: int, **input) -> dict:
    variables = {"id": str(listing_id), "input": input}
    return (await api.data(CORRECT_LISTING, variables, token=token))["correctListingOnRequest"]


async def filed_by(api, person) -> str:
    return (await api.data(FILE, token=person.token))["filePrivacyRequest"]["id"]


async def test_staff_find_an_account_by_its_exact_address_and_the_lookup_is_audited(api):
    # given Ada, and a staff member
    ada = await factories.customer(name="Ada", email="ada@example.com")
    clerk = await factories.staff()
    # when staff look her up, typing the address with capitals and spaces
    found = await find(api, clerk.token, "  Ada@Example.COM ")
    # then they get what they need to act, and no contact details
    assert found["id"] == ada.id and found["name"] == "Ada"
    assert (found["role"], found["status"], found["cancelledAt"]) == ("CUSTOMER", "ACTIVE", None)
    assert set(found) == {"id", "name", "role", "status", "createdAt", "cancelledAt"}
    # and the log says who looked up whom, without the address
    [event] = await AuditEvent.filter(action=AuditAction.ACCOUNT_LOOKED_UP_BY_STAFF)
    assert (event.actor_id, event.subject_id) == (clerk.account.id, ada.account.id)
    assert event.detail == {"found": True}


async def test_a_lookup_that_finds_nobody_is_audited_without_the_address(api, settings):
    # given someone who is not a member
    clerk = await factories.staff()
    await factories.customer(email="ada@example.com")
    # when staff look up their address, or a near miss of a member's
    assert await find(api, clerk.token, "Stranger@Example.org") is None
    assert await find(api, clerk.token, "ada@example.co") is None
    assert await find(api, clerk.token, "ada") is None
    # then each miss is logged with a keyed fingerprint of the address, never the address
    events = await AuditEvent.filter(action=AuditAction.ACCOUNT_LOOKED_UP_BY_STAFF).order_by("id")
    assert [(event.actor_id, event.subject_id) for event in events] == [
        (clerk.account.id, None)
    ] * 3
    stranger = events[0].detail
    assert stranger == {
        "found": False,
        "address_fingerprint": lookup_fingerprint(settings.secret_key, "stranger@example.org"),
    }
    for event in events:
        logged = json.dumps(event.detail).lower()
        assert "stranger" not in logged and "example" not in logged and "ada@" not in logged


async def test_staff_find_a_cancelled_account_too(api):
    ada, clerk = await factories.customer(email="ada@example.com"), await factories.staff()
    await api.data("mutation { cancelAccount { __typename } }", token=ada.token)
    found = await find(api, clerk.token, "ada@example.com")
    assert found["status"] == "CANCELLED" and found["cancelledAt"]


async def test_nobody_but_staff_looks_up_an_address_and_nothing_is_logged(api):
    ada = await factories.customer(email="ada@example.com")
    band = await factories.performer()
    clerk = await factories.staff()
    staff_key = await factories.api_key(clerk, *READS)
    for token in (ada.token, band.token, staff_key, None):
        assert await find(api, token, "ada@example.com") is None
    assert not await AuditEvent.exists()


async def test_staff_correct_a_profile_on_request_and_the_log_says_who(api):
    # given Ada's request to correct her name, and her phone number
    ada = await factories.customer(name="Adda", phone="+1 512 555 0100")
    clerk = await factories.staff()
    request_id = await filed_by(api, ada)
    # when staff correct both, linking the request
    result = await correct_profile(
        api,
        clerk.token,
        ada.id,
        name="Ada Lovelace",
        phone="+44 20 7946 0000",
        privacyRequestId=request_id,
    )
    # then the profile is corrected
    assert result == {"__typename": "AccountSummary", "id": ada.id, "name": "Ada Lovelace"}
    stored = await Account.get(id=ada.account.id)
    assert (stored.name, stored.phone) == ("Ada Lovelace", "+442079460000")
    # and the log names the staff member, the fields and the request, not the values
    [event] = await AuditEvent.filter(action=AuditAction.PROFILE_CORRECTED_BY_STAFF)
    assert (event.actor_id, event.subject_id) == (clerk.account.id, ada.account.id)
    assert event.detail == {
        "source": "STAFF_REQUEST",
        "fields": ["name", "phone"],
        "privacy_request_id": int(request_id),
    }
    # and the request can then be resolved
    resolved = await api.data(RESOLVE, {"id": request_id}, token=clerk.token)
    assert resolved["resolvePrivacyRequest"]["__typename"] == "StaffPrivacyRequest"


async def test_a_phone_given_as_null_is_cleared_and_other_fields_stay(api):
    ada = await factories.customer(name="Ada", phone="+1 512 555 0100")
    clerk = await factories.staff()
    result = await correct_profile(api, clerk.token, ada.id, phone=None)
    assert result["__typename"] == "AccountSummary"
    stored = await Account.get(id=ada.account.id)
    assert (stored.name, stored.phone) == ("Ada", None)


@pytest.mark.parametrize(
    ("input", "field"),
    [
        ({"name": "Ada\r\nBcc: everyone@example.com"}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "A" * 201}, "name"),
        ({"name": "Ada \u202eecalevol"}, "name"),
        ({"phone": "call me maybe"}, "phone"),
        ({"name": "Ada", "phone": "12"}, "phone"),
        ({}, None),
    ],
    ids=["header-injection", "blank", "too-long", "bidi", "bad-phone", "half-bad", "nothing"],
)
async def test_a_correction_that_breaks_the_rules_changes_nothing(api, input, field):
    ada = await factories.customer(name="Ada", phone="+1 512 555 0100")
    clerk = await factories.staff()
    result = await correct_profile(api, clerk.token, ada.id, **input)
    assert result == {"__typename": "ValidationError", "field": field}
    stored = await Account.get(id=ada.account.id)
    assert (stored.name, stored.phone) == ("Ada", "+1 512 555 0100")
    assert not await AuditEvent.exists()


async def test_a_correction_naming_another_persons_request_is_not_found(api):
    # given Bob's request, and Ada's profile
    ada, bob = await factories.customer(name="Ada"), await factories.customer()
    clerk = await factories.staff()
    bobs_request = await filed_by(api, bob)
    events_before = await AuditEvent.all().count()
    # when staff correct Ada's name "under" Bob's request, or a request that never was
    for request_id in (bobs_request, "987654", "not-an-id"):
        result = await correct_profile(
            api, clerk.token, ada.id, name="Someone Else", privacyRequestId=request_id
        )
        # then it is NotFound and nothing changed
        assert result["__typename"] == "NotFound"
    assert (await Account.get(id=ada.account.id)).name == "Ada"
    assert await AuditEvent.all().count() == events_before


async def test_a_correction_naming_a_closed_request_is_refused(api):
    ada, clerk = await factories.customer(name="Ada"), await factories.staff()
    request_id = await filed_by(api, ada)
    await api.data(RESOLVE, {"id": request_id}, token=clerk.token)
    result = await correct_profile(
        api, clerk.token, ada.id, name="Ada L.", privacyRequestId=request_id
    )
    assert result["__typename"] == "InvalidTransition"
    assert (await Account.get(id=ada.account.id)).name == "Ada"
    assert not await AuditEvent.filter(action=AuditAction.PROFILE_CORRECTED_BY_STAFF).exists()


async def test_a_correction_of_an_account_that_does_not_exist_is_not_found(api):
    clerk = await factories.staff()
    for account_id in ("424242", "x"):
        result = await correct_profile(api, clerk.token, account_id, name="Ada")
        assert result["__typename"] == "NotFound"


async def test_staff_correct_a_listing_and_public_pages_show_it_at_once(api):
    # given a listing already served (and cached) to the public
    band = await factories.performer()
    listing = await factories.listing(band, title="Wedding bnad", city="Austin")
    clerk = await factories.staff()
    shown = (await api.data(PUBLIC_LISTING, {"id": str(listing.id)}))["listing"]
    assert shown == {"title": "Wedding bnad", "city": "Austin"}
    revision = (await Listing.get(id=listing.id)).revision
    # when staff correct its title at the owner's request
    result = await correct_listing(api, clerk.token, listing.id, title="Wedding band")
    # then only the title changed, under the owner's checks
    assert result["__typename"] == "Listing"
    assert (result["title"], result["city"], result["description"]) == (
        "Wedding band",
        "Austin",
        "Soul and funk for weddings.",
    )
    # and the public sees it at once: the listing's revision moved
    assert (await Listing.get(id=listing.id)).revision > revision
    shown = (await api.data(PUBLIC_LISTING, {"id": str(listing.id)}))["listing"]
    assert shown["title"] == "Wedding band"
    [event] = await AuditEvent.filter(action=AuditAction.LISTING_CORRECTED_BY_STAFF)
    assert (event.actor_id, event.subject_id) == (clerk.account.id, band.account.id)
    assert event.detail == {
        "source": "STAFF_REQUEST",
        "fields": ["title"],
        "privacy_request_id": None,
        "listing_id": listing.id,
    }


@pytest.mark.parametrize(
    ("input", "field"),
    [
        ({"title": "Band\nBcc: x@example.com"}, "title"),
        ({"category": "Juggler"}, "category"),
        ({"city": "x" * 101}, "city"),
        ({"description": "Bell \x07"}, "description"),
        ({"title": None}, None),
    ],
    ids=["header-injection", "unknown-category", "city-too-long", "control", "nothing"],
)
async def test_a_listing_correction_that_breaks_the_owners_rules_changes_nothing(api, input, field):
    band = await factories.performer()
    listing = await factories.listing(band)
    clerk = await factories.staff()
    result = await correct_listing(api, clerk.token, listing.id, **input)
    assert result == {"__typename": "ValidationError", "field": field}
    stored = await Listing.get(id=listing.id)
    assert (stored.title, stored.category, stored.city) == ("Wedding band", "Band", "Austin")
    assert not await AuditEvent.exists()


async def test_a_listing_correction_naming_another_persons_request_is_not_found(api):
    band, ada = await factories.performer(), await factories.customer()
    listing = await factories.listing(band)
    clerk = await factories.staff()
    adas_request = await filed_by(api, ada)
    result = await correct_listing(
        api, clerk.token, listing.id, title="Changed", privacyRequestId=adas_request
    )
    assert result["__typename"] == "NotFound"
    assert (await Listing.get(id=listing.id)).title == "Wedding band"
    missing = await correct_listing(api, clerk.token, 424242, title="Changed")
    assert missing["__typename"] == "NotFound"


async def test_nobody_but_staff_corrects_a_profile_or_a_listing(api):
    # given Ada's profile and a band's listing
    ada = await factories.customer(name="Ada")
    band = await factories.performer(name="The Band")
    listing = await factories.listing(band)
    clerk = await factories.staff()
    staff_key = await factories.api_key(clerk, *READS)
    callers = {"customer": ada.token, "the listing's owner": band.token, "staff key": staff_key}
    for caller, token in callers.items() | {("anonymous", None)}:
        # when anyone else uses the staff operations, even on their own data
        profile = await correct_profile(api, token, ada.id, name="Mallory")
        own = await correct_profile(api, token, band.id, name="Mallory")
        corrected = await correct_listing(api, token, listing.id, title="Mallory's")
        # then each is NotAuthorized
        assert profile["__typename"] == "NotAuthorized", caller
        assert own["__typename"] == "NotAuthorized", caller
        assert corrected["__typename"] == "NotAuthorized", caller
    # and nothing changed, nothing was logged
    assert (await Account.get(id=ada.account.id)).name == "Ada"
    assert (await Account.get(id=band.account.id)).name == "The Band"
    assert (await Listing.get(id=listing.id)).title == "Wedding band"
    assert not await AuditEvent.exists()


async def test_staff_still_correct_a_cancelled_accounts_profile_until_it_is_erased(api):
    ada, clerk = await factories.customer(name="Adda"), await factories.staff()
    await api.data("mutation { cancelAccount { __typename } }", token=ada.token)
    result = await correct_profile(api, clerk.token, ada.id, name="Ada")
    assert result["__typename"] == "AccountSummary"
    assert (await Account.get(id=ada.account.id)).name == "Ada"
