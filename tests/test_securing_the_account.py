"""Securing one's account closes every door, when the person asks: changing the password
or signing out everywhere can also revoke every API key and turn off every webhook
endpoint. Every change of password is mailed to the person with what can still reach
the account, and the mail opens nothing for whoever else reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailers.kinds import ACCESS_LISTED
from mailers.worker import Worker
from models import auth
from models.access import SECURED_REASON, StillOpen
from models.accounts import Session
from models.api_keys import ApiKey, ApiScope
from models.outbox import MailKind, OutboundEmail
from models.webhooks import WebhookEndpoint
from privacy import account_access
from services import api_keys
from tests import factories
from tests.test_account_security import FIREFOX_LINUX, LOGIN, NEW_PASSWORD
from tests.test_password_reset import mailed_link, reset

CHANGE_PASSWORD = """
mutation($current: String!, $new: String!, $keys: Boolean!, $hooks: Boolean!) {
  changePassword(input: {currentPassword: $current, newPassword: $new,
                         revokeApiKeys: $keys, disableWebhookEndpoints: $hooks}) {
    __typename
    ... on PasswordChanged { sessionsEnded apiKeysRevoked webhookEndpointsDisabled }
  }
}
"""
# As a client written before the options existed sends it.
CHANGE_PASSWORD_PLAIN = """
mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    __typename
    ... on PasswordChanged { sessionsEnded apiKeysRevoked webhookEndpointsDisabled }
  }
}
"""
SIGN_OUT_EVERYWHERE = """
mutation($keys: Boolean!, $hooks: Boolean!) {
  signOutEverywhere(revokeApiKeys: $keys, disableWebhookEndpoints: $hooks) {
    __typename
    ... on SignedOutEverywhere { sessionsEnded apiKeysRevoked webhookEndpointsDisabled }
  }
}
"""
SIGN_OUT_EVERYWHERE_PLAIN = """
mutation { signOutEverywhere {
  __typename ... on SignedOutEverywhere { sessionsEnded apiKeysRevoked webhookEndpointsDisabled }
} }
"""
HOOK_URL = "https://hooks.partner.example/in/s3cr3t-path?token=abc123"
NOTICE = "Your Backline password was changed"


async def with_key_and_endpoint(person, name: str = "CRM sync") -> tuple[ApiKey, str]:
    """A CONTACTS_READ key of the person's, with a webhook endpoint on it."""
    key, token = await api_keys.create_key(person.account, name, [ApiScope.CONTACTS_READ])
    await WebhookEndpoint.create(
        owner_id=person.account.id,
        api_key_id=key.id,
        url=HOOK_URL,
        events="CONTACT_SHARED SHARE_ENDED",
        secret="whsec_c2VjcmV0c2VjcmV0",
    )
    return key, token


async def change(api, person, *, keys: bool, hooks: bool) -> dict:
    variables = {"current": factories.PASSWORD, "new": NEW_PASSWORD, "keys": keys, "hooks": hooks}
    return (await api.data(CHANGE_PASSWORD, variables, token=person.token))["changePassword"]


async def key_works(token: str) -> bool:
    return await auth.api_key_for_token(token) is not None


async def endpoints_on(person) -> int:
    return await WebhookEndpoint.filter(owner_id=person.account.id, disabled_at=None).count()


def body(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def html(mail) -> str:
    return mail.get_body(("html",)).get_content()


async def notice_to(mail_settings, inbox, address: str):
    await Worker(mail_settings).drain()
    [notice] = [mail for mail in inbox.to(address) if mail["Subject"] == NOTICE]
    return notice


async def test_a_password_change_can_end_every_key_and_endpoint_in_the_same_step(api):
    # given a person with a CONTACTS_READ key and a webhook endpoint, and someone else's
    ada = await factories.customer(email="ada@example.com")
    _, ada_key = await with_key_and_endpoint(ada)
    bob = await factories.customer()
    _, bob_key = await with_key_and_endpoint(bob)
    # when she changes her password, asking to end both
    result = await change(api, ada, keys=True, hooks=True)
    # then her key reads nothing any more and her endpoint is off, saying why
    assert result == {
        "__typename": "PasswordChanged",
        "sessionsEnded": 0,
        "apiKeysRevoked": 1,
        "webhookEndpointsDisabled": 1,
    }
    assert not await key_works(ada_key)
    assert await endpoints_on(ada) == 0
    endpoint = await WebhookEndpoint.get(owner_id=ada.account.id)
    assert endpoint.disabled_reason == SECURED_REASON
    # and nobody else's was touched
    assert await key_works(bob_key) and await endpoints_on(bob) == 1


async def test_keys_and_endpoints_can_be_ended_one_kind_without_the_other(api):
    ada = await factories.customer(email="ada@example.com")
    _, key = await with_key_and_endpoint(ada)
    result = await change(api, ada, keys=False, hooks=True)
    assert (result["apiKeysRevoked"], result["webhookEndpointsDisabled"]) == (0, 1)
    assert await key_works(key) and await endpoints_on(ada) == 0


async def test_by_default_a_password_change_leaves_keys_and_endpoints_as_they_were(api):
    # given a person with a key and an endpoint
    ada = await factories.customer(email="ada@example.com")
    _, key = await with_key_and_endpoint(ada)
    # when a client that knows nothing of the new options changes the password
    variables = {"current": factories.PASSWORD, "new": NEW_PASSWORD}
    result = (await api.data(CHANGE_PASSWORD_PLAIN, variables, token=ada.token))["changePassword"]
    # then sessions end as before, and the key and the endpoint go on
    assert (result["apiKeysRevoked"], result["webhookEndpointsDisabled"]) == (0, 0)
    assert await key_works(key) and await endpoints_on(ada) == 1


async def test_signing_out_everywhere_can_end_every_key_and_endpoint_too(api):
    # given a person with a key and an endpoint, signed in twice, and someone else's
    ada = await factories.customer(email="ada@example.com")
    _, key = await with_key_and_endpoint(ada)
    laptop = (await api.data(LOGIN, {"email": "ada@example.com", "password": factories.PASSWORD}))[
        "login"
    ]["token"]
    bob = await factories.customer()
    _, bob_key = await with_key_and_endpoint(bob)
    # when she signs out everywhere, asking to end both
    variables = {"keys": True, "hooks": True}
    result = (await api.data(SIGN_OUT_EVERYWHERE, variables, token=ada.token))["signOutEverywhere"]
    # then every session, her key and her endpoint have ended, and nobody else's
    assert result == {
        "__typename": "SignedOutEverywhere",
        "sessionsEnded": 2,
        "apiKeysRevoked": 1,
        "webhookEndpointsDisabled": 1,
    }
    assert not await auth.live_sessions(ada.account.id).exists()
    assert not await key_works(key) and await endpoints_on(ada) == 0
    assert laptop and await key_works(bob_key) and await endpoints_on(bob) == 1


async def test_by_default_signing_out_everywhere_leaves_keys_and_endpoints(api):
    ada = await factories.customer(email="ada@example.com")
    _, key = await with_key_and_endpoint(ada)
    result = (await api.data(SIGN_OUT_EVERYWHERE_PLAIN, token=ada.token))["signOutEverywhere"]
    assert (result["sessionsEnded"], result["apiKeysRevoked"]) == (1, 0)
    assert result["webhookEndpointsDisabled"] == 0
    assert await key_works(key) and await endpoints_on(ada) == 1


async def test_a_key_cannot_end_the_keys_nor_a_wrong_password_end_anything(api):
    # given a person with a key and an endpoint
    ada = await factories.customer(email="ada@example.com")
    _, key = await with_key_and_endpoint(ada)
    # when the key asks to sign out everywhere and end every key
    by_key = await api.data(SIGN_OUT_EVERYWHERE, {"keys": True, "hooks": True}, token=key)
    # or a session asks with a wrong current password
    variables = {"current": "not my password", "new": NEW_PASSWORD, "keys": True, "hooks": True}
    wrong = (await api.data(CHANGE_PASSWORD, variables, token=ada.token))["changePassword"]
    # then nothing has ended, and no notice is queued
    assert by_key["signOutEverywhere"]["__typename"] == "NotAuthorized"
    assert wrong["__typename"] == "InvalidCredentials"
    assert await key_works(key) and await endpoints_on(ada) == 1
    assert not await OutboundEmail.filter(kind=MailKind.PASSWORD_CHANGED).exists()


async def test_every_password_change_mails_what_can_still_reach_the_account(
    api, mail_settings, inbox
):
    # given a person signed in from Firefox on Linux, with a CONTACTS_READ key and an
    # endpoint, plus a revoked key, an expired key, and an endpoint she turned off
    ada = await factories.customer(email="ada@example.com")
    response = await api.http.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"email": ada.account.email, "password": "correct horse battery"},
        },
        headers={"User-Agent": FIREFOX_LINUX},
    )
    firefox = response.json()["data"]["login"]["token"]
    key, key_token = await with_key_and_endpoint(ada)
    revoked, _ = await with_key_and_endpoint(ada, "Old revoked tool")
    await api_keys.revoke_key(ada.account, revoked.id)
    expired, _ = await api_keys.create_key(ada.account, "Expired tool", [ApiScope.LISTINGS_READ])
    await WebhookEndpoint.create(
        owner_id=ada.account.id,
        api_key_id=expired.id,
        url="https://expired-key.example/hook",
        events="SHARE_ENDED",
        secret="whsec_ZXhw",
    )
    await ApiKey.filter(id=expired.id).update(expires_at=datetime.now(UTC) - timedelta(days=1))
    await WebhookEndpoint.create(
        owner_id=ada.account.id,
        api_key_id=key.id,
        url="https://switched-off.example/hook",
        events="SHARE_ENDED",
        secret="whsec_b2Zm",
        disabled_at=datetime.now(UTC),
    )
    # when she changes her password from Firefox, keeping her key and endpoints
    variables = {"current": factories.PASSWORD, "new": NEW_PASSWORD, "keys": False, "hooks": False}
    result = (await api.data(CHANGE_PASSWORD, variables, token=firefox))["changePassword"]
    assert result["sessionsEnded"] == 1
    # then a mail tells her what can still reach her account
    notice = await notice_to(mail_settings, inbox, "ada@example.com")
    text, page = body(notice), html(notice)
    for shown in (text, page):
        assert "Firefox on Linux" in shown and "(where the password was changed)" in shown
        assert "CRM sync" in shown and "CONTACTS_READ" in shown
        assert "an endpoint at hooks.partner.example" in shown
        assert "signOutEverywhere" in shown and "revokeApiKeys" in shown
        assert mail_settings.support_email in shown
        # and only what is live: not the revoked or expired key, not the endpoint turned
        # off nor one whose key expired
        for ended in ("Old revoked tool", "Expired tool", "switched-off", "expired-key"):
            assert ended not in shown
    # and nothing in it opens anything: no token, no secret, no full webhook URL
    raw = notice.as_string()
    for secret in (firefox, ada.token, key_token, "whsec_", "s3cr3t-path", "abc123", "/in/"):
        assert secret not in raw


async def test_the_notice_says_when_nothing_is_left(api, mail_settings, inbox):
    # given a person who ends every key and endpoint with the change
    ada = await factories.customer(email="ada@example.com")
    await with_key_and_endpoint(ada)
    await change(api, ada, keys=True, hooks=True)
    # when the notice goes out
    notice = await notice_to(mail_settings, inbox, "ada@example.com")
    # then it lists only the session she changed it from, and no key or endpoint
    text = body(notice)
    assert "CRM sync" not in text and "hooks.partner.example" not in text
    assert text.count("  none") == 2


async def test_a_password_set_with_a_reset_link_is_mailed_too(api, mail_settings, inbox):
    # given a person with a key and an endpoint, who asked for a reset link
    ada = await factories.customer(email="ada@example.com")
    await with_key_and_endpoint(ada)
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    # when she sets a new password with it
    assert (await reset(api, token))["__typename"] == "PasswordReset"
    # then she is told, and nothing is left: no session, no key, no endpoint of a live key
    notice = await notice_to(mail_settings, inbox, "ada@example.com")
    text = body(notice)
    assert "with a reset link mailed to this address" in text
    assert text.count("  none") == 3


async def test_a_key_name_cannot_carry_a_link_or_an_address_into_the_notice(
    api, mail_settings, inbox
):
    # given a key whose name someone with her session chose to phish her with
    ada = await factories.customer(email="ada@example.com")
    bait = "Verify now at https://evil.example/login or backline-help.example, mail x@evil.example"
    await api_keys.create_key(ada.account, bait, [ApiScope.CONTACTS_READ])
    # when she changes her password
    await change(api, ada, keys=False, hooks=False)
    # then the notice names the key without the link, the domain or the address
    notice = await notice_to(mail_settings, inbox, "ada@example.com")
    raw = notice.as_string()
    assert "Verify now at [link]" in body(notice)
    assert "evil.example" not in raw and "backline-help" not in raw


async def test_the_notice_lists_a_bounded_number_of_sessions_and_counts_the_rest(
    api, mail_settings, inbox
):
    # given a change of password, then many sign-ins before the notice goes out
    ada = await factories.customer(email="ada@example.com")
    await change(api, ada, keys=False, hooks=False)
    for _ in range(ACCESS_LISTED + 2):
        await auth.start_session(ada.account, session_days=1, client="Safari on iOS")
    # when it goes out
    notice = await notice_to(mail_settings, inbox, "ada@example.com")
    # then it lists ACCESS_LISTED of them and says how many more there are
    text = body(notice)
    assert text.count("Safari on iOS") == ACCESS_LISTED
    assert "and 3 more" in text


# What the notice may say of each thing, rule by rule (privacy/account_access.py)

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_key_name_is_cut_at_its_length_with_an_ellipsis_and_never_empty():
    # a name of exactly NAME_SHOWN_LENGTH is shown whole; one more is cut, without the
    # space before the cut, and ends in an ellipsis
    exact = "k" * account_access.NAME_SHOWN_LENGTH
    assert account_access.key_name_shown(exact) == exact
    longer = "k" * 58 + " " + "tail of the name"
    assert account_access.key_name_shown(longer) == "k" * 58 + "…"
    assert len(account_access.key_name_shown("k" * 200)) == account_access.NAME_SHOWN_LENGTH
    # a link becomes "[link]"; a name of nothing but blanks reads "(no name)"
    assert account_access.key_name_shown("deploy https://evil.example/x key") == "deploy [link] key"
    assert account_access.key_name_shown("   ") == "(no name)"


def test_an_endpoint_is_shown_by_its_host_or_as_having_none():
    assert account_access.endpoint_host("https://hooks.example.com/s3cret?token=x") == (
        "hooks.example.com"
    )
    # an unparsable URL and one without a host say so, rather than quoting the URL
    assert account_access.endpoint_host("http://[::1/x") == "(an endpoint with no host)"
    assert account_access.endpoint_host("not a url") == "(an endpoint with no host)"


def test_what_is_still_open_is_listed_with_how_many_more_there_are():
    firefox = Session(id=1, client="Firefox on Linux", created_at=WHEN, last_used_at=WHEN)
    unknown = Session(id=2, client=None, created_at=WHEN, last_used_at=None)
    key = ApiKey(name="ci", scopes="LISTINGS_READ CONTACTS_READ", expires_at=WHEN)
    hook = WebhookEndpoint(url="https://hooks.example.com/abc")
    still_open = StillOpen(
        sessions=[firefox, unknown], session_count=5, api_keys=[key], api_key_count=3,
        webhook_endpoints=[hook], webhook_endpoint_count=4,
    )  # fmt: skip
    shown = account_access.shown(still_open, current_session_id=2)
    assert shown == account_access.AccessShown(
        sessions=[
            account_access.SessionShown("Firefox on Linux", WHEN, WHEN, current=False),
            account_access.SessionShown(account_access.UNKNOWN_CLIENT, WHEN, None, current=True),
        ],
        more_sessions=3,
        api_keys=[account_access.KeyShown("ci", ["CONTACTS_READ", "LISTINGS_READ"], WHEN)],
        more_api_keys=2,
        webhook_hosts=["hooks.example.com"],
        more_webhook_hosts=3,
    )
