"""`cancelAccount`: "request that we no longer use your information" stops every use
at once, in one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.accounts import Account, AccountStatus, ConsentEvent, PrivacyPreferences
from models.api_keys import ApiKey
from models.listings import Listing
from models.outbox import MailState, OutboundEmail
from models.purposes import Purpose
from models.sharing import ContactGrant
from models.testimonials import Testimonial, TestimonialStatus
from privacy import inquiries
from tests import factories
from tests.test_testimonials import RESPOND, public, submitted

CANCEL = """
mutation { cancelAccount { __typename ... on AccountCancelled { cancelledAt purgeAfter } } }
"""
SHARED = "{ sharedContacts { edges { node { name } } } }"
EVERYTHING = tuple(Purpose)


async def test_cancelling_stops_every_use_at_once(api, settings):
    # given a performer who listed, shared both ways, holds a key and awaits a promotion
    band = await factories.performer(name="The Band", granted=EVERYTHING)
    listing = await factories.listing(band)
    ada = await factories.customer(name="Ada", granted=EVERYTHING)
    await factories.inquiry(ada, listing)
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    clerk = await factories.staff()
    await api.data(
        'mutation { sendPromotion(input: {subject: "S", body: "B"}) { __typename } }',
        token=clerk.token,
    )
    # when
    result = (await api.data(CANCEL, token=band.token))["cancelAccount"]
    # then it answers when the data will be erased
    assert result["__typename"] == "AccountCancelled"
    cancelled = datetime.fromisoformat(result["cancelledAt"])
    assert datetime.fromisoformat(result["purgeAfter"]) - cancelled == timedelta(
        days=settings.retention_days
    )
    # and every use has stopped
    assert (await Account.get(id=band.account.id)).status == AccountStatus.CANCELLED
    assert (await api.data("{ me { id } }", token=band.token))["me"] is None
    assert (await api.data(SHARED, token=key))["sharedContacts"]["edges"] == []
    assert not await ApiKey.filter(owner_id=band.account.id, revoked_at=None).exists()
    assert not (await Listing.get(id=listing.id)).in_directory
    assert (await api.data("{ listings { edges { node { id } } } }"))["listings"]["edges"] == []
    assert (await api.data(SHARED, token=ada.token))["sharedContacts"]["edges"] == []
    assert not await ContactGrant.filter(revoked_at=None).exists()
    band_mail = await OutboundEmail.filter(recipient_id=band.account.id, purpose__not_isnull=True)
    assert [mail.state for mail in band_mail] == [MailState.DROPPED]
    ada_mail = await OutboundEmail.get(recipient_id=ada.account.id, purpose__not_isnull=True)
    assert ada_mail.state == MailState.QUEUED
    preferences = await PrivacyPreferences.get(account_id=band.account.id)
    assert not any(preferences.allows(purpose) for purpose in Purpose)
    withdrawn = await ConsentEvent.filter(account_id=band.account.id, granted=False).count()
    assert withdrawn == len(Purpose)


async def test_only_a_signed_in_person_cancels_their_own_account(api):
    band = await factories.performer()
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    for token in (None, key):
        result = (await api.data(CANCEL, token=token))["cancelAccount"]
        assert result["__typename"] == "NotAuthorized"
    assert (await Account.get(id=band.account.id)).status == AccountStatus.ACTIVE


async def test_cancelling_takes_a_published_testimonial_out_of_public_view_at_once(
    api, mail_settings, inbox
):
    # given a published testimonial, already served (and cached) publicly
    ada = await factories.customer(name="Ada Lovelace")
    _, token = await submitted(api, mail_settings, inbox, ada)
    await api.data(RESPOND, {"token": token, "approve": True})
    assert [t["authorName"] for t in await public(api)] == ["Ada Lovelace"]
    # when its author cancels
    await api.data(CANCEL, token=ada.token)
    # then no public query shows it, though it is kept until purge
    assert await public(api) == []
    assert await Testimonial.exists(author_id=ada.account.id)


async def test_a_consent_link_mailed_before_cancelling_publishes_nothing_after_it(
    api, mail_settings, inbox
):
    # given a consent mail delivered, then the author cancels
    ada = await factories.customer()
    _, token = await submitted(api, mail_settings, inbox, ada)
    await api.data(CANCEL, token=ada.token)
    # when the link is followed afterwards
    answer = await api.data(RESPOND, {"token": token, "approve": True})
    # then it is void and nothing is published
    assert answer["respondToTestimonialConsent"]["__typename"] == "InvalidToken"
    assert (await Testimonial.get(author_id=ada.account.id)).status == (
        TestimonialStatus.AWAITING_CONSENT
    )
    assert await public(api) == []


RECEIVED = "{ receivedInquiries { edges { node { eventDate eventType message } } } }"


async def test_a_performer_no_longer_reads_what_a_cancelled_customer_wrote(api):
    # given an inquiry the performer has read
    band = await factories.performer(granted=EVERYTHING)
    listing = await factories.listing(band)
    ada = await factories.customer(granted=EVERYTHING)
    await factories.inquiry(ada, listing, message="Call me on my cell", event_type="Wedding")
    before = (await api.data(RECEIVED, token=band.token))["receivedInquiries"]["edges"]
    assert before[0]["node"]["message"] == "Call me on my cell"
    # when its author cancels
    await api.data(CANCEL, token=ada.token)
    # then the performer keeps the date, not the words
    after = (await api.data(RECEIVED, token=band.token))["receivedInquiries"]["edges"]
    assert after == [
        {
            "node": {
                "eventDate": before[0]["node"]["eventDate"],
                "eventType": "",
                "message": inquiries.WITHDRAWN_MESSAGE,
            }
        }
    ]
