"""One rule shows an inquiry to its reader (privacy/inquiries.as_seen_by), on every path
that reads another person's words: its author sees it whole under their own name; the
performer sees who asked and what they wrote while the author's account is open, then
only the fact and the date; nobody else sees it. Each path is proven here once the
customer cancelled: lists, the mutation's own answer, a shared contact's inquiry, the
data export and the new-inquiry mail (webhooks carry no words: tests/test_webhooks.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from mailers.compose import compose
from mailers.kinds import MailObsolete
from mailers.worker import Worker
from models.accounts import AccountStatus
from models.outbox import MailKind, MailState, OutboundEmail
from models.purposes import Purpose
from models.sharing import BookingInquiry
from models.tokens import LinkSigner
from privacy import inquiries
from tests import factories

SHARING = (Purpose.CONTACT_SHARING,)
NAME, WORDS, KIND = "Ada Lovelace", "Call me on my cell after six", "Garden party"
CANCEL = "mutation { cancelAccount { __typename } }"
EXPORT = "{ myDataExport }"
INQUIRY_FIELDS = "id eventDate eventType message askedBy { name }"
RECEIVED = "{ receivedInquiries { edges { node { %s } } } }" % INQUIRY_FIELDS
SENT = "{ sentInquiries { edges { node { %s } } } }" % INQUIRY_FIELDS
SEND = (
    """
mutation Send($input: BookingInquiryInput!) {
  sendBookingInquiry(input: $input) { __typename ... on BookingInquiry { %s } }
}
"""
    % INQUIRY_FIELDS
)
SHARED = "{ sharedContacts { edges { node { name inquiry { %s } } } } }" % INQUIRY_FIELDS


async def ada_asks_a_band():
    band = await factories.performer(name="The Band", granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer(name=NAME, granted=SHARING)
    await factories.inquiry(ada, listing, message=WORDS, event_type=KIND)
    return band, ada


async def nodes(api, query: str, token: str) -> list[dict]:
    [connection] = (await api.data(query, token=token)).values()
    return [edge["node"] for edge in connection["edges"]]


def carries_none_of_hers(document: object) -> bool:
    text = json.dumps(document)
    return NAME not in text and WORDS not in text and KIND not in text


async def test_the_performers_export_keeps_the_date_not_the_words_of_a_customer_who_cancelled(
    api,
):
    # given the band's export, which shows Ada's inquiry while her account is open
    band, ada = await ada_asks_a_band()
    before = (await api.data(EXPORT, token=band.token))["myDataExport"]["inquiries"]
    assert [(row["message"], row["eventType"]) for row in before] == [(WORDS, KIND)]
    # when Ada cancels
    await api.data(CANCEL, token=ada.token)
    # then the band's export keeps the inquiry's date, and nothing of what she wrote
    document = (await api.data(EXPORT, token=band.token))["myDataExport"]
    [after] = document["inquiries"]
    assert after | {"message": None, "eventType": None} == before[0] | {
        "message": None,
        "eventType": None,
    }
    assert (after["message"], after["eventType"]) == (inquiries.WITHDRAWN_MESSAGE, "")
    assert carries_none_of_hers(document)


async def test_the_authors_own_export_holds_her_inquiry_whole(api):
    band, ada = await ada_asks_a_band()
    [row] = (await api.data(EXPORT, token=ada.token))["myDataExport"]["inquiries"]
    assert (row["message"], row["eventType"]) == (WORDS, KIND)


async def test_received_inquiries_through_a_session_or_a_key_show_nothing_of_a_cancelled_author(
    api,
):
    # given the band reads Ada's inquiry, by session and with its tool's key
    band, ada = await ada_asks_a_band()
    key = factories.Person(
        band.account, await factories.api_key(band, factories.ApiScope.LISTINGS_READ)
    )
    for reader in (band, key):
        [node] = await nodes(api, RECEIVED, reader.token)
        assert (node["askedBy"], node["message"]) == ({"name": NAME}, WORDS)
    # when Ada cancels
    await api.data(CANCEL, token=ada.token)
    # then neither reads her name, her words nor her event type; the date stays
    for reader in (band, key):
        response = await api.request(RECEIVED, token=reader.token)
        [node] = [e["node"] for e in response["data"]["receivedInquiries"]["edges"]]
        assert (node["askedBy"], node["message"]) == (None, inquiries.WITHDRAWN_MESSAGE)
        assert node["eventDate"] and carries_none_of_hers(response)


async def test_the_answer_to_sending_an_inquiry_reads_as_sent_inquiries_shows_it(api):
    # given a band's listing
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer(name=NAME, granted=SHARING)
    # when Ada sends an inquiry
    variables = {
        "input": {
            "listingId": str(listing.id),
            "eventDate": "2099-06-01",
            "eventType": KIND,
            "message": WORDS,
        }
    }
    answer = (await api.data(SEND, variables, token=ada.token))["sendBookingInquiry"]
    # then the answer is the inquiry as she sees it in her list: under her own name
    [listed] = await nodes(api, SENT, ada.token)
    assert answer == {"__typename": "BookingInquiry"} | listed
    assert answer["askedBy"] == {"name": NAME}


async def test_a_shared_contacts_inquiry_reads_as_its_reader_may_see_it(api):
    # given Ada's inquiry, which shared her details with the band and the band's with her
    band, ada = await ada_asks_a_band()
    # when each reads the other's contact, and the inquiry that shared it
    for reader, other in ((band, ada), (ada, band)):
        [node] = await nodes(api, SHARED, reader.token)
        # then both see it as its author and its performer may: whole, asked by Ada
        assert node["name"] == other.account.name
        inquiry = node["inquiry"]
        assert (inquiry["askedBy"], inquiry["message"], inquiry["eventType"]) == (
            {"name": NAME},
            WORDS,
            KIND,
        )


async def test_the_new_inquiry_mail_is_composed_only_while_its_author_is_active(
    api, settings, mail_settings, inbox
):
    # given the mail that tells the band of Ada's inquiry, quoting her
    band, ada = await ada_asks_a_band()
    links = LinkSigner(settings.secret_key.get_secret_value())
    row = await OutboundEmail.get(kind=MailKind.NEW_INQUIRY).select_related(
        "recipient", "sender", "promotion"
    )
    composed = await compose(row, settings, links)
    assert NAME in composed.text and WORDS in composed.text and KIND in composed.text
    # when Ada cancels before it is sent
    await api.data(CANCEL, token=ada.token)
    # then it can no longer be composed, and the worker drops it unsent
    with pytest.raises(MailObsolete):
        await compose(row, settings, links)
    assert (await Worker(mail_settings).drain()).dropped == 1
    assert inbox.to(band.account.email) == []
    assert (await OutboundEmail.get(id=row.id)).state == MailState.DROPPED


async def test_an_inquiry_is_its_authors_whole_and_nobody_elses_outside_its_performer(api):
    # given Ada's inquiry to the band, and a stranger
    band, ada = await ada_asks_a_band()
    stranger = await factories.performer(granted=SHARING)

    async def seen_by(reader_id):
        inquiry = await BookingInquiry.get(customer_id=ada.account.id).select_related("customer")
        return inquiries.as_seen_by(inquiry, reader_id)

    # then nobody outside it sees anything of it
    assert await seen_by(stranger.account.id) is None
    assert await seen_by(None) is None
    # and once Ada closed her account, the band keeps its date, she her own words
    await api.data(CANCEL, token=ada.token)
    performers = await seen_by(band.account.id)
    assert (performers.asked_by, performers.event_type, performers.withdrawn) == (None, "", True)
    hers = await seen_by(ada.account.id)
    assert (hers.asked_by, hers.message, hers.event_type, hers.withdrawn) == (
        NAME,
        WORDS,
        KIND,
        False,
    )


def test_each_reader_gets_every_field_as_the_rule_says():
    when = datetime(2026, 12, 1, tzinfo=UTC)

    def inquiry(status: AccountStatus) -> SimpleNamespace:
        author = SimpleNamespace(name="Ada", status=status)
        return SimpleNamespace(
            id=7, listing_id=3, customer_id=1, performer_id=2, event_date="2027-01-02",
            event_type="Wedding", message="Can you play?", created_at=when, customer=author,
        )  # fmt: skip

    whole = inquiries.SeenInquiry(
        id=7, listing_id=3, customer_id=1, performer_id=2, event_date="2027-01-02",
        event_type="Wedding", message="Can you play?", created_at=when, asked_by="Ada",
    )  # fmt: skip
    open_, closed = inquiry(AccountStatus.ACTIVE), inquiry(AccountStatus.CANCELLED)
    # the author sees it whole, open or closed; the performer whole while she is open
    assert inquiries.as_seen_by(open_, 1) == whole
    assert inquiries.as_seen_by(closed, 1) == whole
    assert inquiries.as_seen_by(open_, 2) == whole
    # and once she closed it, the fact and the date without her words, type or name
    assert inquiries.as_seen_by(closed, 2) == replace(
        whole, event_type="", message=inquiries.WITHDRAWN_MESSAGE, asked_by=None, withdrawn=True
    )
    # anyone else, or nobody, sees nothing
    assert inquiries.as_seen_by(open_, 3) is None
    assert inquiries.as_seen_by(open_, None) is None
