"""Login, logout and bearer tokens. Login never tells whether an address is registered."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import argon2

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


class Argon2Verifications:
    """Records each real Argon2 verification (hash parameters, thread) and performs it."""

    def __init__(self, monkeypatch) -> None:
        self.calls: list[tuple[argon2.Parameters, int]] = []
        real = argon2.PasswordHasher.verify

        def verify(hasher, stored_hash, password):
            self.calls.append((argon2.extract_parameters(stored_hash), threading.get_ident()))
            return real(hasher, stored_hash, password)

        monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)


async def test_wrong_password_and_unknown_address_get_the_same_answer_and_work(api, monkeypatch):
    # given a registered address, and a spy on the real Argon2 verification
    ada = await factories.customer(email="ada@example.com")
    verifications = Argon2Verifications(monkeypatch)
    # when one login has the wrong password and another an unknown address
    wrong_password = (await api.data(LOGIN, {"email": "ada@example.com", "password": "nope"}))[
        "login"
    ]
    unknown_address = (
        await api.data(LOGIN, {"email": "nobody@example.com", "password": factories.PASSWORD})
    )["login"]
    # then the answers are the same
    assert wrong_password == unknown_address
    assert wrong_password["__typename"] == "InvalidCredentials"
    # and so is the work: one verification each, at the cost of a real account's hash
    real_cost = argon2.extract_parameters(ada.account.password_hash)
    assert [parameters for parameters, _ in verifications.calls] == [real_cost, real_cost]


async def test_argon2_runs_off_the_event_loop(api, monkeypatch):
    # given a spy on the real Argon2 verification
    await factories.customer(email="ada@example.com")
    verifications = Argon2Verifications(monkeypatch)
    # when a person signs in
    await api.data(LOGIN, {"email": "ada@example.com", "password": factories.PASSWORD})
    # then the verification ran in a worker thread, not the thread serving requests
    [(_, thread)] = verifications.calls
    assert thread != threading.get_ident()


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
