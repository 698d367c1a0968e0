"""The security of one's own account: changing the password ends the other sessions,
"sign out everywhere", and the list of my sessions with revoke. Only the person,
through their own session, acts on their sessions; nobody else's can be named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import auth
from models.accounts import Account, Session
from models.api_keys import ApiScope
from models.tokens import hash_token
from privacy.sessions import describe_client
from settings import Settings
from tests import factories
from tests.conftest import client_for
from tests.test_registration import REGISTER, registration

NEW_PASSWORD = "a brand new passphrase"
PASSWORD = factories.PASSWORD
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

CHANGE_PASSWORD = """
mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    __typename
    ... on PasswordChanged { sessionsEnded }
    ... on ValidationError { field }
    ... on RateLimited { retryAfterSeconds }
  }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { __typename ... on AuthPayload { token } }
}
"""
SIGN_OUT_EVERYWHERE = """
mutation { signOutEverywhere { __typename ... on SignedOutEverywhere { sessionsEnded } } }
"""
SESSIONS = "{ me { sessions { id createdAt lastUsedAt client current } } }"
REVOKE = """
mutation($id: ID!) { revokeSession(id: $id) { __typename ... on SessionRevoked { id } } }
"""


async def signed_in(api, email: str, password: str = factories.PASSWORD) -> str:
    result = (await api.data(LOGIN, {"email": email, "password": password}))["login"]
    assert result["__typename"] == "AuthPayload"
    return result["token"]


async def is_signed_in(api, token: str) -> bool:
    return (await api.data("{ me { id } }", token=token))["me"] is not None


async def change_password(api, token: str, current: str, new: str = NEW_PASSWORD) -> dict:
    variables = {"current": current, "new": new}
    return (await api.data(CHANGE_PASSWORD, variables, token=token))["changePassword"]


async def test_changing_the_password_ends_every_other_session_and_keeps_this_one(api):
    # given a person signed in on two more devices, and someone else signed in
    ada = await factories.customer(email="ada@example.com")
    laptop = await signed_in(api, "ada@example.com")
    phone = await signed_in(api, "ada@example.com")
    bob = await factories.customer()
    # when she changes her password from the first session
    result = await change_password(api, ada.token, factories.PASSWORD)
    # then the other two sessions ended, hers goes on, and nobody else's was touched
    assert result == {"__typename": "PasswordChanged", "sessionsEnded": 2}
    assert await is_signed_in(api, ada.token)
    assert not await is_signed_in(api, laptop)
    assert not await is_signed_in(api, phone)
    assert await is_signed_in(api, bob.token)


async def test_after_a_change_only_the_new_password_signs_in(api):
    # given
    ada = await factories.customer(email="ada@example.com")
    # when
    await change_password(api, ada.token, factories.PASSWORD)
    # then
    old = {"email": "ada@example.com", "password": factories.PASSWORD}
    assert (await api.data(LOGIN, old))["login"]["__typename"] == "InvalidCredentials"
    assert await signed_in(api, "ada@example.com", NEW_PASSWORD)


async def test_a_wrong_current_password_changes_nothing(api):
    # given a person signed in twice
    ada = await factories.customer(email="ada@example.com")
    laptop = await signed_in(api, "ada@example.com")
    hash_before = ada.account.password_hash
    # when the current password given is wrong
    result = await change_password(api, ada.token, "not my password")
    # then the password and every session are as they were
    assert result["__typename"] == "InvalidCredentials"
    assert (await Account.get(id=ada.account.id)).password_hash == hash_before
    assert await is_signed_in(api, laptop)


async def test_a_new_password_that_breaks_the_rules_is_refused(api):
    ada = await factories.customer(email="ada@example.com")
    result = await change_password(api, ada.token, factories.PASSWORD, new="short")
    assert result == {"__typename": "ValidationError", "field": "newPassword"}
    assert await signed_in(api, "ada@example.com")


async def test_wrong_current_passwords_are_rate_limited_per_account(settings):
    # given an account allowed two wrong current passwords an hour
    limited = settings.model_copy(update={"rate_limit_password_change_failures": "2/hour"})
    ada = await factories.customer(email="ada@example.com")
    async for api in client_for(Settings(**limited.model_dump())):
        # when a stolen session guesses, then gives the right password
        guesses = [
            (await change_password(api, ada.token, f"guess {n}"))["__typename"] for n in range(2)
        ]
        right = await change_password(api, ada.token, factories.PASSWORD)
    # then the third attempt is refused, whatever it holds, and the password stays
    assert guesses == ["InvalidCredentials", "InvalidCredentials"]
    assert right["__typename"] == "RateLimited" and right["retryAfterSeconds"] > 0
    assert (await Account.get(id=ada.account.id)).password_hash == ada.account.password_hash


async def test_an_api_key_or_an_anonymous_caller_cannot_touch_sessions(api):
    # given a person's API key, with every scope a customer may hold
    ada = await factories.customer(email="ada@example.com")
    key = await factories.api_key(ada, ApiScope.CONTACTS_READ, ApiScope.LISTINGS_READ)
    [session] = await Session.filter(account_id=ada.account.id)
    for token in (key, None):
        # when the key (or nobody) asks to change the password or end sessions
        changed = await change_password(api, token, factories.PASSWORD)
        everywhere = await api.data(SIGN_OUT_EVERYWHERE, token=token)
        revoked = await api.data(REVOKE, {"id": str(session.id)}, token=token)
        # then each is NotAuthorized, and the person is still signed in
        assert changed["__typename"] == "NotAuthorized"
        assert everywhere["signOutEverywhere"]["__typename"] == "NotAuthorized"
        assert revoked["revokeSession"]["__typename"] == "NotAuthorized"
    assert await is_signed_in(api, ada.token)
    assert (await Account.get(id=ada.account.id)).password_hash == ada.account.password_hash


async def test_sign_out_everywhere_ends_every_session_this_one_included(api):
    # given
    ada = await factories.customer(email="ada@example.com")
    laptop = await signed_in(api, "ada@example.com")
    bob = await factories.customer()
    # when
    result = (await api.data(SIGN_OUT_EVERYWHERE, token=ada.token))["signOutEverywhere"]
    # then
    assert result == {"__typename": "SignedOutEverywhere", "sessionsEnded": 2}
    assert not await is_signed_in(api, ada.token)
    assert not await is_signed_in(api, laptop)
    assert await is_signed_in(api, bob.token)


async def test_my_sessions_show_a_coarse_client_and_which_is_current(api):
    # given a person who signed in from Firefox on Linux, from an IP address
    ada = await factories.customer(email="ada@example.com")
    response = await api.http.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"email": "ada@example.com", "password": factories.PASSWORD},
        },
        headers={"User-Agent": FIREFOX_LINUX},
    )
    firefox = response.json()["data"]["login"]["token"]
    # when she lists her sessions from that session
    listed = await api.request(SESSIONS, token=firefox)
    # then the newest comes first, described coarsely, marked current
    sessions = listed["data"]["me"]["sessions"]
    assert [(s["client"], s["current"]) for s in sessions] == [
        ("Firefox on Linux", True),
        (None, False),
    ]
    assert sessions[0]["lastUsedAt"] is not None
    # and nothing of the token, the User-Agent or the address is in the answer
    text = str(listed)
    for secret in (firefox, ada.token, hash_token(firefox), "Gecko", "133.0", "203.0.113.9"):
        assert secret not in text
    # and the row keeps only the coarse description
    stored = await Session.get(token_hash=hash_token(firefox))
    assert stored.client == "Firefox on Linux"


async def test_ended_sessions_are_not_listed(api):
    ada = await factories.customer(email="ada@example.com")
    laptop = await signed_in(api, "ada@example.com")
    assert (await api.data("mutation { logout }", token=laptop))["logout"] is True
    sessions = (await api.data(SESSIONS, token=ada.token))["me"]["sessions"]
    assert [s["current"] for s in sessions] == [True]


def test_a_client_is_described_by_browser_family_and_system_only():
    chrome_mac = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )
    edge_windows = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
    )
    safari_iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
    )
    assert describe_client(FIREFOX_LINUX) == "Firefox on Linux"
    assert describe_client(chrome_mac) == "Chrome on macOS"
    assert describe_client(edge_windows) == "Edge on Windows"
    assert describe_client(safari_iphone) == "Safari on iOS"
    assert describe_client("my-own-tool/<script>") is None
    assert describe_client(None) is None


async def test_last_use_is_recorded_at_most_once_per_interval(api):
    # given a session last used a minute ago
    ada = await factories.customer()
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    await Session.filter(account_id=ada.account.id).update(last_used_at=a_minute_ago)
    # when it is used again
    await api.data("{ me { id } }", token=ada.token)
    # then its last use has not moved
    [session] = await Session.filter(account_id=ada.account.id)
    assert session.last_used_at == a_minute_ago
    # but once the interval has passed, the next request moves it
    long_ago = datetime.now(UTC) - auth.SESSION_TOUCH_INTERVAL - timedelta(seconds=1)
    await Session.filter(account_id=ada.account.id).update(last_used_at=long_ago)
    await api.data("{ me { id } }", token=ada.token)
    [session] = await Session.filter(account_id=ada.account.id)
    assert session.last_used_at > a_minute_ago


async def test_a_person_revokes_one_of_their_sessions(api):
    # given a person signed in twice
    ada = await factories.customer(email="ada@example.com")
    laptop = await signed_in(api, "ada@example.com")
    listed = (await api.data(SESSIONS, token=ada.token))["me"]["sessions"]
    [other] = [s for s in listed if not s["current"]]
    # when she revokes the other session
    result = (await api.data(REVOKE, {"id": other["id"]}, token=ada.token))["revokeSession"]
    # then it has ended, and hers goes on
    assert result == {"__typename": "SessionRevoked", "id": other["id"]}
    assert not await is_signed_in(api, laptop)
    assert await is_signed_in(api, ada.token)


async def test_revoking_another_persons_session_is_not_found_and_leaves_it_alive(api):
    # given two people
    ada = await factories.customer()
    bob = await factories.customer()
    [bobs] = await Session.filter(account_id=bob.account.id)
    # when one names the other's session (or one that cannot exist)
    for session_id in (str(bobs.id), "999999", "not-an-id"):
        result = (await api.data(REVOKE, {"id": session_id}, token=ada.token))["revokeSession"]
        # then it is NotFound, alike
        assert result["__typename"] == "NotFound"
    # and the other person is still signed in
    assert await is_signed_in(api, bob.token)


async def test_requests_racing_on_a_stale_session_record_its_last_use_once(settings):
    # given two requests that both read the session before its last use was recorded
    ada = await factories.customer()
    long_ago = datetime.now(UTC) - auth.SESSION_TOUCH_INTERVAL - timedelta(minutes=1)
    await Session.filter(account_id=ada.account.id).update(last_used_at=long_ago)
    first, second = [await Session.get(account_id=ada.account.id) for _ in range(2)]
    # when each records it
    wrote = [await auth.touch_session(first), await auth.touch_session(second)]
    # then only the first writes: the UPDATE's own condition decides, not the stale copy
    assert wrote == [True, False]


async def test_a_recently_used_session_sends_no_update(api, sql_queries):
    # given a session just used
    ada = await factories.customer()
    await api.data("{ me { id } }", token=ada.token)
    # when it is used again within the interval
    sql_queries.reset()
    await api.data("{ me { id } }", token=ada.token)
    # then the request sent no UPDATE of the session at all
    assert not [s for s in sql_queries.statements if s.upper().startswith('UPDATE "SESSION"')]


async def test_registering_describes_the_first_session_coarsely(api):
    # when a person registers from Firefox on Linux
    response = await api.http.post(
        "/graphql",
        json={"query": REGISTER, "variables": registration()},
        headers={"User-Agent": FIREFOX_LINUX},
    )
    token = response.json()["data"]["register"]["token"]
    # then their first session is described, and only coarsely
    stored = await Session.get(token_hash=hash_token(token))
    assert stored.client == "Firefox on Linux"
