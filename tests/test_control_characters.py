"""Free text that can reach a mail header is one line: a CR/LF in a name would split the
header it lands in (issue 12, item 1). Multi-line fields keep their line breaks but
refuse every other control character. Each refusal names the field and stores nothing."""

from __future__ import annotations

import pytest

from models.accounts import Account
from models.listings import Listing
from models.outbox import OutboundEmail
from models.testimonials import Testimonial
from tests import factories
from tests.test_registration import REGISTER, registration

LINE_BREAKS = ["Eve\r\nBcc: everyone@example.com", "Eve\nX", "Eve\rX", "Eve\u2028X", "Eve\x85X"]
OTHER_CONTROLS = ["Eve\x00", "Eve\x1b[31m", "Eve\tX", "\u202eevE", "Eve\x7f"]

UPDATE_PROFILE = """
mutation ($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    __typename
    ... on ValidationError { field message }
  }
}
"""
SEND_REFERRAL = """
mutation ($name: String!) {
  sendReferral(input: {friendName: $name, friendEmail: "friend@example.org"}) {
    __typename
    ... on ValidationError { field message }
  }
}
"""
CREATE_LISTING = """
mutation ($input: ListingInput!) {
  createListing(input: $input) { __typename ... on ValidationError { field message } }
}
"""
SUBMIT_TESTIMONIAL = """
mutation ($input: TestimonialInput!) {
  submitTestimonial(input: $input) { __typename ... on ValidationError { field message } }
}
"""


@pytest.mark.parametrize("name", LINE_BREAKS + OTHER_CONTROLS)
async def test_a_name_with_a_control_character_is_refused_at_registration(api, name):
    # when
    result = (await api.data(REGISTER, registration(name=name)))["register"]
    # then
    assert result == {
        "__typename": "ValidationError",
        "field": "name",
        "message": result["message"],
    }
    assert not await Account.exists(email="ada@example.com")


@pytest.mark.parametrize("name", LINE_BREAKS)
async def test_a_name_with_a_line_break_is_refused_at_profile_update(api, name):
    # given
    ada = await factories.customer(name="Ada")
    # when
    result = await api.data(UPDATE_PROFILE, {"input": {"name": name}}, token=ada.token)
    # then
    assert result["updateProfile"]["__typename"] == "ValidationError"
    assert result["updateProfile"]["field"] == "name"
    assert (await Account.get(id=ada.account.id)).name == "Ada"


@pytest.mark.parametrize("name", LINE_BREAKS)
async def test_a_friend_name_with_a_line_break_queues_no_mail(api, name):
    # given
    ada = await factories.customer()
    # when
    result = (await api.data(SEND_REFERRAL, {"name": name}, token=ada.token))["sendReferral"]
    # then
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "friendName"
    assert not await OutboundEmail.exists()


async def test_a_listing_title_is_one_line_but_its_description_keeps_its_paragraphs(api):
    # given
    band = await factories.performer()
    listing = {
        "title": "Soul band",
        "category": "Band",
        "city": "Austin",
        "state": "TX",
        "description": "First paragraph.\r\n\r\nSecond paragraph.\twith a tab",
    }
    # when a title carries a line break
    refused = await api.data(
        CREATE_LISTING, {"input": listing | {"title": "Soul\r\nband"}}, token=band.token
    )
    # then it is refused and nothing is stored
    assert refused["createListing"] == {
        "__typename": "ValidationError",
        "field": "title",
        "message": "This must be one line, without control characters.",
    }
    assert not await Listing.exists()
    # when only the description has line breaks
    created = await api.data(CREATE_LISTING, {"input": listing}, token=band.token)
    # then it is kept, with its line ends made plain
    assert created["createListing"]["__typename"] == "Listing"
    stored = await Listing.get(owner_id=band.account.id)
    assert stored.description == "First paragraph.\n\nSecond paragraph.\twith a tab"


async def test_a_multiline_field_still_refuses_other_control_characters(api):
    # given
    ada = await factories.customer()
    testimonial = {
        "quote": "Great night!\n\x1b[2J",
        "eventType": "Wedding",
        "city": "Austin",
        "state": "TX",
    }
    # when
    result = await api.data(SUBMIT_TESTIMONIAL, {"input": testimonial}, token=ada.token)
    # then
    assert result["submitTestimonial"]["__typename"] == "ValidationError"
    assert result["submitTestimonial"]["field"] == "quote"
    assert not await Testimonial.exists()


async def test_a_testimonial_city_with_a_line_break_is_refused(api):
    # given
    ada = await factories.customer()
    testimonial = {"quote": "Great", "eventType": "Wedding", "city": "Austin\nTX", "state": "TX"}
    # when
    result = await api.data(SUBMIT_TESTIMONIAL, {"input": testimonial}, token=ada.token)
    # then
    assert result["submitTestimonial"]["field"] == "city"
    assert not await Testimonial.exists()
