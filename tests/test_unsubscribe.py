"""One-click unsubscribe (RFC 8058): by the mail client's POST, by the page's button,
or by the mutation; a GET changes nothing; a forged token changes nothing."""

from __future__ import annotations

import pytest

from mailers.worker import Worker
from models.accounts import ConsentEvent, PrivacyPreferences
from models.purposes import Purpose
from models.tokens import LinkSigner
from privacy import unsubscribe
from tests import factories

UNSUBSCRIBE = """
mutation Unsubscribe($token: String!) {
  unsubscribe(token: $token) {
    __typename
    ... on Unsubscribed { purposes }
    ... on InvalidToken { message }
  }
}
"""


@pytest.fixture
async def promoted(api, mail_settings, inbox):
    """Someone who received a partner promotion, and the unsubscribe URL in it."""
    clerk = await factories.staff()
    keen = await factories.customer(
        email="keen@example.com",
        granted=(Purpose.PROMOTIONAL_EMAILS, Purpose.PARTNER_PROMOTIONS),
    )
    await api.data(
        'mutation { sendPromotion(input: {subject: "Guitars", body: "New strings", '
        'onBehalfOfPartner: "Strings Inc"}) { __typename } }',
        token=clerk.token,
    )
    await Worker(mail_settings).drain()
    [mail] = inbox.to("keen@example.com")
    url = mail["List-Unsubscribe"].strip("<>")
    return keen, url.removeprefix("http://testserver")


async def preferences(person) -> PrivacyPreferences:
    return await PrivacyPreferences.get(account_id=person.account.id)


async def test_get_shows_a_confirmation_page_and_changes_nothing(api, promoted):
    keen, path = promoted
    events_before = await ConsentEvent.all().count()
    response = await api.http.get(path)
    assert response.status_code == 200
    assert 'method="post"' in response.text and "partners" in response.text
    assert (await preferences(keen)).partner_promotions is True
    assert await ConsentEvent.all().count() == events_before


async def test_one_click_post_unsubscribes_with_no_redirect(api, promoted):
    keen, path = promoted
    response = await api.http.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    current = await preferences(keen)
    assert (current.partner_promotions, current.promotional_emails) == (False, True)
    event = await ConsentEvent.filter(account_id=keen.account.id).order_by("-id").first()
    assert (event.purpose, event.granted, event.source) == (
        "PARTNER_PROMOTIONS",
        False,
        "UNSUBSCRIBE_LINK",
    )
    assert event.ip == "203.0.113.9"


async def test_the_mutation_unsubscribes_without_a_session(api, promoted):
    keen, path = promoted
    token = path.removeprefix("/unsubscribe/")
    result = (await api.data(UNSUBSCRIBE, {"token": token}))["unsubscribe"]
    assert result == {"__typename": "Unsubscribed", "purposes": ["PARTNER_PROMOTIONS"]}
    assert (await preferences(keen)).partner_promotions is False


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, account_id: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token, account_id: unsubscribe.make_token(
            LinkSigner("another-secret-key-another-secret-key"),
            account_id,
            Purpose.PARTNER_PROMOTIONS,
        ),
        lambda token, account_id: "garbage",
        lambda token, account_id: "",
        lambda token, account_id: "x" * 5000,
    ],
)
async def test_a_forged_or_garbled_token_changes_nothing(api, promoted, forge):
    keen, path = promoted
    forged = forge(path.removeprefix("/unsubscribe/"), keen.account.id)
    events_before = await ConsentEvent.all().count()
    result = (await api.data(UNSUBSCRIBE, {"token": forged}))["unsubscribe"]
    assert result["__typename"] == "InvalidToken"
    if forged:
        response = await api.http.post(f"/unsubscribe/{forged}")
        assert response.status_code in {400, 404}
    assert (await preferences(keen)).partner_promotions is True
    assert await ConsentEvent.all().count() == events_before
