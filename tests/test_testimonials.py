"""Nothing of a testimonial is public until its author approves by email; it comes
down again on request."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mailers.worker import Worker
from models.accounts import Account
from models.audit import AuditEvent
from models.outbox import MailState, OutboundEmail
from models.testimonials import Testimonial, TestimonialStatus
from models.tokens import LinkSigner
from privacy import testimonials
from tests import factories

SUBMIT = """
mutation Submit($input: TestimonialInput!) {
  submitTestimonial(input: $input) {
    __typename
    ... on Testimonial { id status authorName }
    ... on ValidationError { field }
    ... on NotAuthorized { message }
  }
}
"""
RESPOND = """
mutation Respond($token: String!, $approve: Boolean!) {
  respondToTestimonialConsent(input: {token: $token, approve: $approve}) {
    __typename
    ... on Testimonial { id status authorName }
  }
}
"""
REMOVE = """
mutation Remove($id: ID!) {
  removeTestimonial(id: $id) { __typename ... on Testimonial { status } }
}
"""
PUBLIC = "{ testimonials { edges { node { quote authorName eventType city state status } } } }"
QUOTE = {"quote": "They made our wedding.", "eventType": "Wedding", "city": "Austin", "state": "TX"}
# What the consent mail must name, as the policy lists it: full name, event type, city,
# state, quote (each under its label, so that one value found elsewhere does not count).
CONSENTED_ITEMS = (
    r"full name:\s*Ada Lovelace\b",
    r"Event type:\s*Wedding\b",
    r"Where:\s*Austin,",
    r"Where:\s*Austin, TX\b",
    r"Your words:\s*[\"“]They made our wedding\.[\"”]",
)


async def public(api) -> list[dict]:
    return [edge["node"] for edge in (await api.data(PUBLIC))["testimonials"]["edges"]]


async def submitted(api, mail_settings, inbox, person) -> tuple[str, str]:
    """Submits a testimonial and returns its id and the token from the consent mail."""
    result = (await api.data(SUBMIT, {"input": QUOTE}, token=person.token))["submitTestimonial"]
    await Worker(mail_settings).drain()
    mail = inbox.to(person.account.email)[-1]
    text = mail.get_body(("plain",)).get_content()
    token = re.search(r"/testimonials/consent/(\S+)", text).group(1)
    return result["id"], token


async def test_a_testimonial_is_published_only_after_its_author_approves(api, mail_settings, inbox):
    # given
    ada = await factories.customer(name="Ada Lovelace")
    result = (await api.data(SUBMIT, {"input": QUOTE}, token=ada.token))["submitTestimonial"]
    assert result["status"] == "AWAITING_CONSENT"
    assert await public(api) == []
    # when the consent mail arrives and Ada approves
    await Worker(mail_settings).drain()
    [mail] = inbox.to(ada.account.email)
    text = mail.get_body(("plain",)).get_content()
    # it names each of the five things the policy says will be shown, in both parts
    for part in (text, mail.get_body(("html",)).get_content()):
        for shown in CONSENTED_ITEMS:
            assert re.search(shown, part), (shown, part)
    assert mail["List-Unsubscribe"] is None
    token = re.search(r"/testimonials/consent/(\S+)", text).group(1)
    answer = (await api.data(RESPOND, {"token": token, "approve": True}))[
        "respondToTestimonialConsent"
    ]
    # then it is public, with the full name as consented
    assert answer["status"] == "PUBLISHED"
    assert await public(api) == [
        {
            "quote": "They made our wedding.",
            "authorName": "Ada Lovelace",
            "eventType": "Wedding",
            "city": "Austin",
            "state": "TX",
            "status": "PUBLISHED",
        }
    ]
    # and a later change of name does not change what was consented to
    await Account.filter(id=ada.account.id).update(name="Ada King")
    assert (await public(api))[0]["authorName"] == "Ada Lovelace"


async def test_a_declined_testimonial_is_never_shown(api, mail_settings, inbox):
    ada = await factories.customer()
    testimonial_id, token = await submitted(api, mail_settings, inbox, ada)
    answer = (await api.data(RESPOND, {"token": token, "approve": False}))[
        "respondToTestimonialConsent"
    ]
    assert answer["status"] == "DECLINED"
    assert await public(api) == []
    mine = (await api.data("{ me { testimonials { id status } } }", token=ada.token))["me"]
    assert mine["testimonials"] == [{"id": testimonial_id, "status": "DECLINED"}]


async def test_a_consent_token_works_once(api, mail_settings, inbox):
    ada = await factories.customer()
    _, token = await submitted(api, mail_settings, inbox, ada)
    await api.data(RESPOND, {"token": token, "approve": False})
    again = await api.data(RESPOND, {"token": token, "approve": True})
    assert again["respondToTestimonialConsent"]["__typename"] == "InvalidToken"
    assert (await Testimonial.get()).status == TestimonialStatus.DECLINED


async def test_an_expired_token_is_refused(api, mail_settings, inbox):
    ada = await factories.customer()
    _, token = await submitted(api, mail_settings, inbox, ada)
    await Testimonial.all().update(consent_expires_at=datetime.now(UTC) - timedelta(seconds=1))
    answer = await api.data(RESPOND, {"token": token, "approve": True})
    assert answer["respondToTestimonialConsent"]["__typename"] == "InvalidToken"
    assert (await Testimonial.get()).status == TestimonialStatus.AWAITING_CONSENT


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-3] + "abc",
        lambda token: testimonials.consent_token(
            LinkSigner("some-other-secret-key-some-other-secret"),
            Testimonial(id=1, consent_nonce="0" * 32),
        ),
        lambda token: "",
        lambda token: "garbage",
        lambda token: "y" * 10_000,
    ],
)
async def test_forged_tokens_change_nothing(api, mail_settings, inbox, forge):
    ada = await factories.customer()
    _, token = await submitted(api, mail_settings, inbox, ada)
    answer = await api.data(RESPOND, {"token": forge(token), "approve": True})
    assert answer["respondToTestimonialConsent"]["__typename"] == "InvalidToken"
    assert (await Testimonial.get()).status == TestimonialStatus.AWAITING_CONSENT


async def test_a_token_answers_for_its_own_testimonial_only(api, mail_settings, inbox):
    ada = await factories.customer()
    bob = await factories.customer()
    ada_id, ada_token = await submitted(api, mail_settings, inbox, ada)
    bob_id, _ = await submitted(api, mail_settings, inbox, bob)
    await api.data(RESPOND, {"token": ada_token, "approve": True})
    statuses = dict(await Testimonial.all().values_list("id", "status"))
    assert statuses == {
        int(ada_id): TestimonialStatus.PUBLISHED,
        int(bob_id): TestimonialStatus.AWAITING_CONSENT,
    }


async def test_the_author_removes_a_testimonial_and_it_is_gone_at_once(api, mail_settings, inbox):
    ada = await factories.customer()
    testimonial_id, token = await submitted(api, mail_settings, inbox, ada)
    await api.data(RESPOND, {"token": token, "approve": True})
    removed = (await api.data(REMOVE, {"id": testimonial_id}, token=ada.token))["removeTestimonial"]
    assert removed["status"] == "REMOVED"
    assert await public(api) == []


async def test_staff_remove_a_testimonial_on_request_and_the_log_says_who(
    api, mail_settings, inbox
):
    ada = await factories.customer()
    clerk = await factories.staff()
    testimonial_id, token = await submitted(api, mail_settings, inbox, ada)
    await api.data(RESPOND, {"token": token, "approve": True})
    removed = await api.data(REMOVE, {"id": testimonial_id}, token=clerk.token)
    assert removed["removeTestimonial"]["status"] == "REMOVED"
    event = await AuditEvent.get(action="TESTIMONIAL_REMOVED_BY_STAFF")
    assert (event.actor_id, event.subject_id) == (clerk.account.id, ada.account.id)
    assert await public(api) == []


async def test_nobody_else_removes_a_testimonial(api, mail_settings, inbox):
    ada = await factories.customer()
    mallory = await factories.customer()
    testimonial_id, token = await submitted(api, mail_settings, inbox, ada)
    await api.data(RESPOND, {"token": token, "approve": True})
    for person_token in (mallory.token, None):
        result = await api.data(REMOVE, {"id": testimonial_id}, token=person_token)
        assert result["removeTestimonial"]["__typename"] in {"NotFound", "NotAuthorized"}
    assert len(await public(api)) == 1


async def test_only_customers_submit_and_bad_input_stores_nothing(api):
    band = await factories.performer()
    clerk = await factories.staff()
    ada = await factories.customer()
    for token in (band.token, clerk.token, None):
        result = (await api.data(SUBMIT, {"input": QUOTE}, token=token))["submitTestimonial"]
        assert result["__typename"] == "NotAuthorized"
    for field, value in (("quote", " "), ("eventType", ""), ("city", ""), ("quote", "q" * 2001)):
        result = await api.data(SUBMIT, {"input": QUOTE | {field: value}}, token=ada.token)
        assert result["submitTestimonial"] == {"__typename": "ValidationError", "field": field}
    assert not await Testimonial.exists()
    assert not await OutboundEmail.exists()


async def test_the_consent_page_asks_on_get_and_records_the_answer_on_post(
    api, mail_settings, inbox
):
    ada = await factories.customer()
    _, token = await submitted(api, mail_settings, inbox, ada)
    page = await api.http.get(f"/testimonials/consent/{token}")
    assert page.status_code == 200 and 'value="approve"' in page.text
    assert (await Testimonial.get()).status == TestimonialStatus.AWAITING_CONSENT
    answer = await api.http.post(f"/testimonials/consent/{token}", data={"decision": "approve"})
    assert answer.status_code == 200 and "published" in answer.text
    assert (await Testimonial.get()).status == TestimonialStatus.PUBLISHED
    reused = await api.http.get(f"/testimonials/consent/{token}")
    assert reused.status_code == 400


async def test_a_consent_mail_for_a_testimonial_removed_before_sending_is_dropped(
    api, mail_settings, inbox
):
    ada = await factories.customer()
    result = (await api.data(SUBMIT, {"input": QUOTE}, token=ada.token))["submitTestimonial"]
    await api.data(REMOVE, {"id": result["id"]}, token=ada.token)
    tally = await Worker(mail_settings).drain()
    assert tally.dropped == 1 and inbox.messages == []
    assert (await OutboundEmail.get()).state == MailState.DROPPED
