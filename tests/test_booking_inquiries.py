"""A booking inquiry shares contact details each way, only where that side consents."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.accounts import Account, AccountStatus
from models.purposes import Purpose
from models.sharing import BookingInquiry, ContactGrant
from tests import factories

SHARING = (Purpose.CONTACT_SHARING,)
SEND = """
mutation Send($input: BookingInquiryInput!) {
  sendBookingInquiry(input: $input) {
    __typename
    ... on BookingInquiry { id eventDate eventType message listing { title } }
    ... on ConsentRequired { purpose message }
    ... on ValidationError { field message }
    ... on NotAuthorized { message }
    ... on NotFound { message }
  }
}
"""
SHARED = """
{ sharedContacts { edges { node { name email phone inquiry { eventType listing { title } } } } } }
"""


def inquiry_input(listing, **overrides):
    return {
        "input": {
            "listingId": str(listing.id),
            "eventDate": (date.today() + timedelta(days=60)).isoformat(),
            "eventType": "Wedding",
            "message": "Are you free on that Saturday?",
        }
        | overrides
    }


async def nothing_stored() -> bool:
    return not await BookingInquiry.exists() and not await ContactGrant.exists()


async def test_inquiry_shares_details_both_ways_when_both_consent(api):
    # given
    band = await factories.performer(name="The Band", granted=SHARING, phone="+1 512 555 0100")
    listing = await factories.listing(band, title="Wedding band")
    ada = await factories.customer(name="Ada", email="ada@example.com", granted=SHARING)
    # when
    sent = (await api.data(SEND, inquiry_input(listing), token=ada.token))["sendBookingInquiry"]
    # then
    assert sent["__typename"] == "BookingInquiry"
    assert sent["listing"] == {"title": "Wedding band"}
    ada_sees = (await api.data(SHARED, token=ada.token))["sharedContacts"]["edges"]
    assert [edge["node"] for edge in ada_sees] == [
        {
            "name": "The Band",
            "email": band.account.email,
            "phone": "+1 512 555 0100",
            "inquiry": {"eventType": "Wedding", "listing": {"title": "Wedding band"}},
        }
    ]
    band_sees = (await api.data(SHARED, token=band.token))["sharedContacts"]["edges"]
    assert [edge["node"]["email"] for edge in band_sees] == ["ada@example.com"]


async def test_a_performer_without_contact_sharing_is_not_shared(api):
    band = await factories.performer()
    listing = await factories.listing(band)
    ada = await factories.customer(granted=SHARING)
    sent = (await api.data(SEND, inquiry_input(listing), token=ada.token))["sendBookingInquiry"]
    assert sent["__typename"] == "BookingInquiry"
    assert (await api.data(SHARED, token=ada.token))["sharedContacts"]["edges"] == []
    assert len((await api.data(SHARED, token=band.token))["sharedContacts"]["edges"]) == 1


async def test_an_inquiry_to_a_performer_without_sharing_shares_nothing_once_they_turn_it_on(api):
    """The consent is checked when the grant would be made, not only when it is read:
    a grant of the performer's details made while they did not consent would go live
    the moment they turned sharing on, for an inquiry they never agreed to share on."""
    # given a performer who does not share, asked by a customer who does
    band = await factories.performer(name="The Band")
    listing = await factories.listing(band)
    ada = await factories.customer(name="Ada", granted=SHARING)
    sent = (await api.data(SEND, inquiry_input(listing), token=ada.token))["sendBookingInquiry"]
    assert sent["__typename"] == "BookingInquiry"
    # when the performer turns contact sharing on afterwards
    turned_on = await api.data(
        "mutation { updatePrivacyPreferences(input: {contactSharing: true}) { __typename } }",
        token=band.token,
    )
    assert turned_on["updatePrivacyPreferences"]["__typename"] == "PrivacyPreferences"
    # then the earlier inquiry shares nothing of theirs, now or ever
    assert (await api.data(SHARED, token=ada.token))["sharedContacts"]["edges"] == []
    band_shares = (await api.data("{ me { contactShares { id } } }", token=band.token))["me"]
    assert band_shares["contactShares"] == []
    assert await ContactGrant.filter(owner_id=band.account.id).count() == 0
    # while the customer's details went to the performer as they consented
    assert [row.owner_id for row in await ContactGrant.all()] == [ada.account.id]


async def test_a_customer_without_contact_sharing_gets_consent_required_and_nothing_is_stored(api):
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer()
    sent = (await api.data(SEND, inquiry_input(listing), token=ada.token))["sendBookingInquiry"]
    assert sent["__typename"] == "ConsentRequired"
    assert sent["purpose"] == "CONTACT_SHARING"
    assert await nothing_stored()


async def test_inquiring_about_ones_own_listing_is_a_validation_error(api):
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    sent = (await api.data(SEND, inquiry_input(listing), token=band.token))["sendBookingInquiry"]
    assert (sent["__typename"], sent["field"]) == ("ValidationError", "listingId")
    assert await nothing_stored()


async def test_a_listing_out_of_the_directory_or_of_a_cancelled_account_is_not_found(api):
    band = await factories.performer(granted=SHARING)
    removed = await factories.listing(band, in_directory=False)
    gone = await factories.performer(granted=SHARING)
    of_cancelled = await factories.listing(gone)
    await Account.filter(id=gone.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime.now(UTC)
    )
    ada = await factories.customer(granted=SHARING)
    for listing in (removed, of_cancelled):
        sent = (await api.data(SEND, inquiry_input(listing), token=ada.token))["sendBookingInquiry"]
        assert sent["__typename"] == "NotFound"
    unknown = inquiry_input(removed, listingId="999999")
    assert (await api.data(SEND, unknown, token=ada.token))["sendBookingInquiry"][
        "__typename"
    ] == "NotFound"
    assert await nothing_stored()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"eventDate": "next Saturday"}, "eventDate"),
        ({"eventDate": "2020-01-01"}, "eventDate"),
        ({"eventType": " "}, "eventType"),
        ({"message": ""}, "message"),
        ({"message": "m" * 5001}, "message"),
    ],
)
async def test_bad_inquiry_values_are_validation_errors_and_store_nothing(api, change, field):
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer(granted=SHARING)
    sent = (await api.data(SEND, inquiry_input(listing, **change), token=ada.token))[
        "sendBookingInquiry"
    ]
    assert (sent["__typename"], sent["field"]) == ("ValidationError", field)
    assert await nothing_stored()


async def test_anonymous_callers_staff_and_api_keys_cannot_send_inquiries(api):
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    clerk = await factories.staff(granted=SHARING)
    ada = await factories.customer(granted=SHARING)
    key = await factories.api_key(ada, factories.ApiScope.CONTACTS_READ)
    for token in (None, clerk.token, key):
        sent = (await api.data(SEND, inquiry_input(listing), token=token))["sendBookingInquiry"]
        assert sent["__typename"] == "NotAuthorized"
    assert await nothing_stored()


async def test_the_performer_reads_received_inquiries(api):
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer(granted=SHARING)
    await factories.inquiry(ada, listing, event_type="Birthday")
    query = "{ receivedInquiries { edges { node { eventType listing { id } } } } }"
    edges = (await api.data(query, token=band.token))["receivedInquiries"]["edges"]
    assert edges == [{"node": {"eventType": "Birthday", "listing": {"id": str(listing.id)}}}]
    assert (await api.data(query, token=ada.token))["receivedInquiries"]["edges"] == []
    assert (await api.data(query))["receivedInquiries"]["edges"] == []
