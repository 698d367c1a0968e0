"""Login, logout and bearer tokens. Login never tells whether an address is registered."""

from __future__ import annotations

from datetime import UTC, datetime

from models.accounts import Account, AccountStatus
from tests import factories

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on AuthPayload { token account { email } }
    ... on InvalidCredentials { message }
  }
}
"""


async def test_login_with_the_right_password_opens_a_session(api):
    # given
    ada = await factories.customer(email="ada@example.com")
    # when
    result = (
        await api.data(LOGIN, {"email": " ADA@example.com ", "password": factories.PASSWORD})
    )["login"]
    # then
    assert result["__typename"] == "AuthPayload"
    me = (await api.data("{ me { id } }", token=result["token"]))["me"]
    assert me == {"id": ada.id}


async def test_wrong_password_and_unknown_address_get_the_same_answer(api):
    await factories.customer(email="ada@example.com")
    wrong_password = (await api.data(LOGIN, {"email": "ada@example.com", "password": "nope"}))[
        "login"
    ]
    unknown_address = (
        await api.data(LOGIN, {"email": "nobody@example.com", "password": factories.PASSWORD})
    )["login"]
    assert wrong_password == unknown_address
    assert wrong_password["__typename"] == "InvalidCredentials"


async def test_a_cancelled_account_cannot_sign_in(api):
    ada = await factories.customer(email="ada@example.com")
    await Account.filter(id=ada.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime.now(UTC)
    )
    result = (await api.data(LOGIN, {"email": "ada@example.com", "password": factories.PASSWORD}))[
        "login"
    ]
    assert result["__typename"] == "InvalidCredentials"
    assert (await api.data("{ me { id } }", token=ada.token))["me"] is None


async def test_logout_revokes_the_token(api):
    # given
    ada = await factories.customer()
    # when
    assert (await api.data("mutation { logout }", token=ada.token))["logout"] is True
    # then
    assert (await api.data("{ me { id } }", token=ada.token))["me"] is None
    assert (await api.data("mutation { logout }", token=ada.token))["logout"] is False


async def test_anonymous_caller_sees_no_account_and_has_no_session_to_end(api):
    assert (await api.data("{ me { id } }"))["me"] is None
    assert (await api.data("mutation { logout }"))["logout"] is False


async def test_a_garbled_token_makes_the_caller_anonymous(api):
    for token in ("bls_not-a-real-token", "x" * 5000, "something-else"):
        assert (await api.data("{ me { id } }", token=token))["me"] is None
