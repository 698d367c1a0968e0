"""Privacy rules that mutation testing found untested, checked through the GraphQL API:
cancellation touches one account only, holds conceal only while they stand and only from
their subject, and a testimonial's answer and removal are recorded. Real database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mailers.worker import Worker
from models.accounts import Account, ConsentEvent, Session
from models.api_keys import ApiKey
from models.audit import AuditAction, AuditEvent
from models.outbox import MailState, OutboundEmail
from models.purposes import ConsentSource, Purpose
from models.sharing import ContactGrant
from models.testimonials import Testimonial
from tests import factories
from tests.test_email_change import CONFIRM
from tests.test_staff_requests import DISCLOSE, EXPORT, HOLD
from tests.test_testimonials import QUOTE, REMOVE, RESPOND, SUBMIT, submitted

CANCEL = "mutation { cancelAccount { __typename } }"
CLIENT_IP = "203.0.113.9"  # the address tests/conftest.py gives every API request
EVERYTHING = tuple(Purpose)


async def test_cancelling_one_account_touches_nobody_elses_sessions_keys_shares_or_links(
    api, mail_settings, inbox
):
    # given Ada and Bob, each with a session, a key, shares with a band and a consent link
    band = await factories.performer(granted=EVERYTHING)
    listing = await factories.listing(band)
    ada = await factories.customer(granted=EVERYTHING)
    bob = await factories.customer(granted=EVERYTHING)
    for person in (ada, bob):
        await factories.inquiry(person, listing)
        await factories.api_key(person, factories.ApiScope.CONTACTS_READ)
        await submitted(api, mail_settings, inbox, person)
    old_key = await ApiKey.create(
        owner_id=ada.account.id,
        name="Old tool",
        token_hash="0" * 64,
        scopes="CONTACTS_READ",
        revoked_at=datetime.now(UTC) - timedelta(days=3),
    )
    clerk = await factories.staff()
    await api.data(
        'mutation { sendPromotion(input: {subject: "S", body: "B"}) { __typename } }',
        token=clerk.token,
    )
    # when Ada cancels her account
    assert (await api.data(CANCEL, token=ada.token))["cancelAccount"]["__typename"] == (
        "AccountCancelled"
    )
    # then her account says when, and every use of hers has stopped
    assert (await Account.get(id=ada.account.id)).cancelled_at is not None
    assert not await Session.filter(account_id=ada.account.id, revoked_at=None).exists()
    assert not await ApiKey.filter(owner_id=ada.account.id, revoked_at=None).exists()
    assert (await ApiKey.get(id=old_key.id)).revoked_at == old_key.revoked_at
    withdrawn = await ConsentEvent.filter(account_id=ada.account.id, granted=False)
    assert {(e.source, e.ip) for e in withdrawn} == {(ConsentSource.SETTINGS, CLIENT_IP)}
    assert not await Testimonial.filter(
        author_id=ada.account.id, consent_nonce__not_isnull=True
    ).exists()
    promotion = await OutboundEmail.get(recipient_id=ada.account.id, purpose__not_isnull=True)
    assert (promotion.state, promotion.last_error) == (
        MailState.DROPPED,
        "the account was cancelled",
    )
    # and what was already sent to her stays as it was
    sent = await OutboundEmail.filter(recipient_id=ada.account.id, state=MailState.SENT)
    assert sent and all(mail.last_error is None for mail in sent)
    # and Bob keeps all of his
    assert (await api.data("{ me { id } }", token=bob.token))["me"] == {"id": bob.id}
    assert await Session.filter(account_id=bob.account.id, revoked_at=None).exists()
    assert await ApiKey.filter(owner_id=bob.account.id, revoked_at=None).exists()
    assert await ContactGrant.filter(owner_id=bob.account.id, revoked_at=None).exists()
    assert await ContactGrant.filter(recipient_id=bob.account.id, revoked_at=None).exists()
    assert await Testimonial.filter(author_id=bob.account.id, consent_nonce__not_isnull=True)


async def audit_actions(api, person) -> list[str]:
    export = (await api.data(EXPORT, token=person.token))["myDataExport"]
    return [event["action"] for event in export["auditEvents"]]


async def test_a_hold_on_someone_else_conceals_nothing_from_me(api):
    # given a disclosure about Ada, and a hold on Bob only
    ada, bob, clerk = (
        await factories.customer(),
        await factories.customer(),
        await factories.staff(),
    )
    await api.data(DISCLOSE, {"id": ada.id}, token=clerk.token)
    await api.data(HOLD, {"id": bob.id, "reason": "Sealed order"}, token=clerk.token)
    # when Ada exports her data, then she sees the disclosure about her
    assert await audit_actions(api, ada) == ["LEGAL_DISCLOSURE"]


async def test_a_hold_with_an_end_date_conceals_while_it_stands_and_only_what_it_protects(api):
    # given Ada, whose details a band has read, and a hold on her ending next month
    band = await factories.performer(granted=EVERYTHING)
    ada = await factories.customer(granted=EVERYTHING)
    await factories.inquiry(ada, await factories.listing(band))
    await api.data("{ sharedContacts { edges { node { name } } } }", token=band.token)
    clerk = await factories.staff()
    ends_at = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    await api.data(
        HOLD, {"id": ada.id, "reason": "Sealed order", "endsAt": ends_at}, token=clerk.token
    )
    await api.data(DISCLOSE, {"id": ada.id}, token=clerk.token)
    # when Ada exports her data, then the hold and disclosure are concealed, the read is not
    assert await audit_actions(api, ada) == ["CONTACT_READ"]


async def test_staff_under_a_hold_still_see_the_holds_they_placed_on_others(api):
    # given a clerk who placed a hold on Bob, and is under a hold herself
    bob, clerk, chief = (
        await factories.customer(),
        await factories.staff(),
        await factories.staff(),
    )
    await api.data(HOLD, {"id": bob.id, "reason": "Sealed order"}, token=clerk.token)
    await api.data(HOLD, {"id": clerk.id, "reason": "Internal inquiry"}, token=chief.token)
    # when the clerk exports her data, then her own action on Bob is there
    assert await audit_actions(api, clerk) == ["LEGAL_HOLD_PLACED"]


async def test_an_answer_to_a_consent_link_is_recorded_and_the_link_spent(
    api, mail_settings, inbox
):
    # given Ada's testimonial awaiting her consent
    ada = await factories.customer(name="Ada Lovelace")
    testimonial_id, token = await submitted(api, mail_settings, inbox, ada)
    # when she approves it
    await api.data(RESPOND, {"token": token, "approve": True})
    # then the answer's time is kept and the link's nonce is gone
    testimonial = await Testimonial.get(author_id=ada.account.id)
    assert testimonial.consent_nonce is None
    assert testimonial.responded_at is not None
    # when staff remove it on her request, then the removal is dated and logged
    clerk = await factories.staff()
    removed = (await api.data(REMOVE, {"id": testimonial_id}, token=clerk.token))[
        "removeTestimonial"
    ]
    assert removed == {"__typename": "Testimonial", "status": "REMOVED"}
    assert (await Testimonial.get(id=testimonial.id)).removed_at is not None
    event = await AuditEvent.get(action=AuditAction.TESTIMONIAL_REMOVED_BY_STAFF)
    assert (event.actor_id, event.subject_id, event.detail) == (
        clerk.account.id,
        ada.account.id,
        {"testimonial_id": testimonial.id},
    )


async def test_a_consent_link_of_an_author_whose_account_closed_publishes_nothing(
    api, mail_settings, inbox
):
    # given Ada's consent link, and her account closed without the link being voided
    ada = await factories.customer()
    _, token = await submitted(api, mail_settings, inbox, ada)
    await Account.filter(id=ada.account.id).update(status="CANCELLED")
    # when the link is answered, then nothing is published
    result = await api.data(RESPOND, {"token": token, "approve": True})
    assert result["respondToTestimonialConsent"]["__typename"] == "InvalidToken"
    assert (await Testimonial.get(author_id=ada.account.id)).status == "AWAITING_CONSENT"


@pytest.mark.parametrize("field", ["eventType", "city", "state"])
async def test_a_testimonial_field_of_over_100_characters_is_refused_naming_it(api, field):
    ada = await factories.customer()
    accepted = QUOTE | {field: "x" * 100, "quote": "Line one.\nLine two."}
    result = (await api.data(SUBMIT, {"input": accepted}, token=ada.token))["submitTestimonial"]
    assert result["__typename"] == "Testimonial"
    refused = QUOTE | {field: "x" * 101}
    result = (await api.data(SUBMIT, {"input": refused}, token=ada.token))["submitTestimonial"]
    assert result == {"__typename": "ValidationError", "field": field}


# A change of address: only the latest link, in time, of an active account confirms it.

CHANGE_TO = """mutation Change($email: String!) { updateProfile(input: {email: $email}) {
  __typename } }"""


async def a_change_link(api, mail_settings, inbox, person, address: str) -> str:
    await api.data(CHANGE_TO, {"email": address}, token=person.token)
    await Worker(mail_settings).drain()
    text = inbox.to(address)[-1].get_body(("plain",)).get_content()
    return re.search(r"/account/confirm-email/(\S+)", text).group(1)


async def confirmed(api, token: str) -> str:
    return (await api.data(CONFIRM, {"token": token}))["confirmEmailChange"]["__typename"]


async def test_an_email_change_link_that_has_expired_confirms_nothing(api, mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    token = await a_change_link(api, mail_settings, inbox, ada, "ada.new@example.com")
    await Account.filter(id=ada.account.id).update(
        pending_email_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await confirmed(api, token) == "InvalidToken"
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"


async def test_an_email_change_link_replaced_by_a_newer_one_confirms_nothing(
    api, mail_settings, inbox
):
    ada = await factories.customer(email="ada@example.com")
    first = await a_change_link(api, mail_settings, inbox, ada, "ada.new@example.com")
    await a_change_link(api, mail_settings, inbox, ada, "ada.newer@example.com")
    assert await confirmed(api, first) == "InvalidToken"
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"


async def test_an_email_change_link_of_a_closed_account_confirms_nothing(api, mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    token = await a_change_link(api, mail_settings, inbox, ada, "ada.new@example.com")
    await Account.filter(id=ada.account.id).update(status="CANCELLED")
    assert await confirmed(api, token) == "InvalidToken"
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"


async def test_an_inquiry_notice_of_an_active_customer_reaches_the_performer(mail_settings, inbox):
    # given a performer and an active customer who sends an inquiry
    band = await factories.performer(email="band@example.com")
    ada = await factories.customer(granted=(Purpose.CONTACT_SHARING,))
    await factories.inquiry(ada, await factories.listing(band))
    # when the worker runs
    await Worker(mail_settings).drain()
    # then the performer is told of it: the pre-send check lets it through
    notice = await OutboundEmail.get(kind="NEW_INQUIRY")
    assert (notice.state, notice.last_error) == (MailState.SENT, None)
    assert len(inbox.to("band@example.com")) == 1
