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
  confirmEmailChange(token: $token) { __typename ... on EmailChangeConfirmed { email } }
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
    assert result == {"__typename": "EmailChangeConfirmed", "email": "ada.new@example.com"}
    assert (await Account.get(id=ada.account.id)).pending_email is None
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


async def test_the_link_reveals_nothing_of_the_account_beyond_the_new_address(
    api, mail_settings, inbox
):
    # given a confirmation link, held by whoever reads the new mailbox
    ada = await factories.customer(email="ada@example.com", phone="+1 512 555 0100")
    token = await requested(api, mail_settings, inbox, ada)
    # when its holder asks for the private account through it
    errors = await api.errors(
        "mutation ($t: String!) { confirmEmailChange(token: $t) "
        "{ ... on Account { phone consentHistory { purpose } apiKeys { name } } } }",
        {"t": token},
    )
    # then the schema offers no such member, and the address is unchanged
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (await Account.get(id=ada.account.id)).email == "ada@example.com"


async def test_the_old_address_hears_of_a_confirmed_change(api, mail_settings, inbox):
    # given a change confirmed through the link
    ada = await factories.customer(email="ada@example.com")
    token = await requested(api, mail_settings, inbox, ada)
    await api.data(CONFIRM, {"token": token})
    # when the mail goes out
    await Worker(mail_settings).drain()
    # then the replaced address gets a notice, and no link that could undo anything
    [notice] = inbox.to("ada@example.com")
    text = notice.get_body(("plain",)).get_content()
    assert "ada.new@example.com" not in text
    assert "/account/confirm-email/" not in text
    assert notice["List-Unsubscribe"] is None
