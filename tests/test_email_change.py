"""A change of email address takes effect only when a link sent to the new address
confirms it."""

from __future__ import annotations

import re

from mailers.worker import Worker
from models.accounts import Account
from tests import factories

CHANGE = """
mutation { updateProfile(input: {email: "ada.new@example.com"}) {
  __typename ... on Account { email pendingEmail } } }
"""
CONFIRM = """
mutation Confirm($token: String!) {
  confirmEmailChange(token: $token) { __typename ... on Account { email pendingEmail } }
}
"""


async def requested(api, mail_settings, inbox, person) -> str:
    result = (await api.data(CHANGE, token=person.token))["updateProfile"]
    assert result == {
        "__typename": "Account",
        "email": person.account.email,
        "pendingEmail": "ada.new@example.com",
    }
    await Worker(mail_settings).drain()
    [mail] = inbox.to("ada.new@example.com")
    text = mail.get_body(("plain",)).get_content()
    return re.search(r"/account/confirm-email/(\S+)", text).group(1)


async def test_the_new_address_applies_once_confirmed_by_the_link_sent_to_it(
    api, mail_settings, inbox
):
    ada = await factories.customer(email="ada@example.com")
    token = await requested(api, mail_settings, inbox, ada)
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"
    result = (await api.data(CONFIRM, {"token": token}))["confirmEmailChange"]
    assert result == {"__typename": "Account", "email": "ada.new@example.com", "pendingEmail": None}
    again = (await api.data(CONFIRM, {"token": token}))["confirmEmailChange"]
    assert again["__typename"] == "InvalidToken"


async def test_a_forged_token_changes_nothing(api, mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    token = await requested(api, mail_settings, inbox, ada)
    for forged in (token[:-2] + "xx", "garbage", ""):
        result = (await api.data(CONFIRM, {"token": forged}))["confirmEmailChange"]
        assert result["__typename"] == "InvalidToken"
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"


async def test_an_address_taken_in_the_meantime_is_refused(api, mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    token = await requested(api, mail_settings, inbox, ada)
    await factories.customer(email="ada.new@example.com")
    result = (await api.data(CONFIRM, {"token": token}))["confirmEmailChange"]
    assert result["__typename"] == "EmailTaken"
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"


async def test_the_confirmation_page_asks_then_confirms(api, mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    token = await requested(api, mail_settings, inbox, ada)
    page = await api.http.get(f"/account/confirm-email/{token}")
    assert page.status_code == 200 and 'method="post"' in page.text
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"
    done = await api.http.post(f"/account/confirm-email/{token}")
    assert done.status_code == 200 and "ada.new@example.com" in done.text
    assert (await Account.get(id=ada.account.id)).email == "ada.new@example.com"
