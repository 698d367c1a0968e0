"""A forgotten password: a link mailed to the account's address sets a new one. Asking
tells nobody whether an address is registered; the link works once, only the latest,
only under the password it was asked under, and for at most an hour; using it ends
every session of the account."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import connections

from mailers.worker import Worker
from models.accounts import Account
from models.api_keys import ApiKey
from models.audit import AuditAction, AuditEvent
from models.outbox import MailKind, MailState, OutboundEmail
from models.purposes import Purpose
from models.retention import RequestLog
from models.tokens import LinkSigner
from privacy import address_confirmation, email_change
from privacy.password_reset import LINKS_KEPT
from privacy.unsubscribe import make_token
from services import password_reset
from settings import Settings
from tests import factories
from tests.conftest import client_for
from tests.test_account_security import change_password, is_signed_in, signed_in
from tests.test_request_log import log_lines  # noqa: F401 (a fixture)

NEW_PASSWORD = "a brand new passphrase"
REQUEST = """
mutation($email: String!) {
  requestPasswordReset(email: $email) {
    __typename
    ... on PasswordResetRequested { message }
    ... on ValidationError { field message }
    ... on RateLimited { message retryAfterSeconds }
  }
}
"""
RESET = """
mutation($token: String!, $password: String!) {
  resetPassword(input: {token: $token, newPassword: $password}) {
    __typename
    ... on PasswordReset { sessionsEnded }
    ... on ValidationError { field }
    ... on InvalidToken { message }
  }
}
"""
LINK = re.compile(r"/account/reset-password/(\S+)")


def signer(settings: Settings) -> LinkSigner:
    return LinkSigner(settings.secret_key.get_secret_value())


async def ask(api, email: str) -> dict:
    return await api.request(REQUEST, {"email": email})


async def reset(api, token: str, password: str = NEW_PASSWORD) -> dict:
    return (await api.data(RESET, {"token": token, "password": password}))["resetPassword"]


async def mailed_link(api, mail_settings, inbox, email: str) -> str:
    """Asks for a reset of `email` and returns the token of the link that arrives."""
    await ask(api, email)
    await Worker(mail_settings).drain()
    mail = inbox.to(email)[-1]
    assert mail["Subject"] == "Reset your Backline password"
    return LINK.search(mail.get_body(("plain",)).get_content()).group(1)


async def password_works(api, email: str, password: str) -> bool:
    answer = await api.data(
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }",
        {"e": email, "p": password},
    )
    return answer["login"]["__typename"] == "AuthPayload"


async def test_a_registered_an_unknown_and_a_cancelled_address_get_the_same_answer(
    api, mail_settings, inbox
):
    # given a registered address, a cancelled account's address, and one nobody uses
    await factories.customer(email="ada@example.com")
    gone = await factories.customer(email="gone@example.com")
    await api.data("mutation { cancelAccount { __typename } }", token=gone.token)
    await OutboundEmail.all().delete()
    # when a reset is asked for each
    answers = [
        await ask(api, email)
        for email in ("ada@example.com", "nobody@example.com", "gone@example.com")
    ]
    # then the three whole responses are the same
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["data"]["requestPasswordReset"]["__typename"] == "PasswordResetRequested"
    # and only the registered, active account is mailed
    assert await OutboundEmail.filter(kind=MailKind.PASSWORD_RESET).count() == 1
    await Worker(mail_settings).drain()
    assert len(inbox.messages) == len(inbox.to("ada@example.com")) == 1


async def test_a_registered_and_an_unknown_address_take_the_same_time_to_answer(api):
    # given a registered address and one nobody uses
    await factories.customer(email="ada@example.com")
    durations = {}
    for email in ("ada@example.com", "nobody@example.com"):
        # when a reset is asked for each
        started = time.monotonic()
        await ask(api, email)
        durations[email] = time.monotonic() - started
    # then neither answers before the fixed time, which the registered one's work
    # (a row updated, a mail queued) fits well inside
    assert min(durations.values()) >= password_reset.ANSWER_SECONDS


async def test_the_mailed_link_sets_a_new_password_and_ends_every_session(
    api, mail_settings, inbox
):
    # given a person signed in on three devices with an API key, and someone else
    ada = await factories.customer(email="ada@example.com")
    laptop = await signed_in(api, "ada@example.com")
    phone = await signed_in(api, "ada@example.com")
    await factories.api_key(ada, factories.ApiScope.CONTACTS_READ)
    bob = await factories.customer()
    await factories.api_key(bob, factories.ApiScope.CONTACTS_READ)
    # when she asks for a reset and uses the link from the mail (through real SMTP)
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    result = await reset(api, token)
    # then every one of her sessions ended, and nobody else's
    assert result == {"__typename": "PasswordReset", "sessionsEnded": 3}
    for session in (ada.token, laptop, phone):
        assert not await is_signed_in(api, session)
    assert await is_signed_in(api, bob.token)
    # and her API key, which whoever knew the old password could have made, is revoked
    assert await ApiKey.filter(owner_id=ada.account.id, revoked_at=None).count() == 0
    assert await ApiKey.filter(owner_id=bob.account.id, revoked_at=None).count() == 1
    # and only the new password signs in; nobody was signed in by the link itself
    assert not await password_works(api, "ada@example.com", factories.PASSWORD)
    assert await password_works(api, "ada@example.com", NEW_PASSWORD)
    # and the reset is in the audit log
    [event] = await AuditEvent.filter(action=AuditAction.PASSWORD_RESET)
    assert (event.actor_id, event.subject_id) == (ada.account.id, ada.account.id)
    assert event.detail == {"sessionsEnded": 3, "apiKeysRevoked": 1}


async def test_the_mail_is_transactional_and_says_how_long_the_link_works(
    api, mail_settings, inbox
):
    await factories.customer(email="ada@example.com", granted=())
    await mailed_link(api, mail_settings, inbox, "ada@example.com")
    [mail] = inbox.to("ada@example.com")
    assert mail["List-Unsubscribe"] is None
    text = " ".join(mail.get_body(("plain",)).get_content().split())
    assert "It works once, for the next 30 minutes" in text


async def test_a_link_works_once(api, mail_settings, inbox):
    await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    assert (await reset(api, token))["__typename"] == "PasswordReset"
    again = await reset(api, token, "yet another passphrase")
    assert again["__typename"] == "InvalidToken"
    assert await password_works(api, "ada@example.com", NEW_PASSWORD)


async def test_two_uses_of_one_link_at_once_set_one_password(api, mail_settings, inbox):
    # given one link, used twice at the same moment with different passwords
    await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    first, second = await asyncio.gather(
        reset(api, token, "first racing passphrase"), reset(api, token, "second racing passphrase")
    )
    # then exactly one of them set its password
    assert sorted([first["__typename"], second["__typename"]]) == ["InvalidToken", "PasswordReset"]
    winner = "first" if first["__typename"] == "PasswordReset" else "second"
    assert await password_works(api, "ada@example.com", f"{winner} racing passphrase")


async def test_an_expired_link_is_refused(api, mail_settings, inbox, settings):
    # given a genuine link, and the same link signed as if it had expired a second ago
    ada = await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    account_id, nonce, expires = signer(settings).unsign("password-reset", token, 3)
    # the default makes it expire within PASSWORD_RESET_MINUTES (30) of being asked for
    assert 0 < expires - datetime.now(UTC).timestamp() <= 30 * 60
    expired = signer(settings).sign(
        "password-reset", [account_id, nonce, int(datetime.now(UTC).timestamp()) - 1]
    )
    # when the expired one is used
    result = await reset(api, expired)
    # then it is refused like any bad link, and nothing changed
    assert result["__typename"] == "InvalidToken"
    assert (await Account.get(id=ada.account.id)).password_hash == ada.account.password_hash
    assert await is_signed_in(api, ada.token)


def test_a_link_cannot_be_set_to_work_longer_than_an_hour():
    with pytest.raises(ValueError, match="password_reset_minutes"):
        Settings(password_reset_minutes=61)


async def test_someone_asking_again_for_the_address_does_not_kill_the_owners_link(
    api, mail_settings, inbox
):
    # given the owner's link, then another request for the same address
    await factories.customer(email="ada@example.com")
    owners = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    await mailed_link(api, mail_settings, inbox, "ada@example.com")
    # then the owner's link still works, and using it ends the other one too
    assert (await reset(api, owners))["__typename"] == "PasswordReset"


async def test_only_the_latest_links_work_and_using_one_ends_them_all(mail_settings, inbox):
    # given more links than are kept (the per-address limit would not allow as many)
    generous = Settings(
        **mail_settings.model_dump(exclude={"rate_limit_password_reset_per_address"}),
        rate_limit_password_reset_per_address="10/hour",
    )
    await factories.customer(email="ada@example.com")
    async for api in client_for(generous):
        tokens = [
            await mailed_link(api, generous, inbox, "ada@example.com")
            for _ in range(LINKS_KEPT + 1)
        ]
        await check_latest_links(api, tokens)


async def check_latest_links(api, tokens):
    # then the oldest no longer works
    assert (await reset(api, tokens[0]))["__typename"] == "InvalidToken"
    # and once one works, every other is used up with it
    assert (await reset(api, tokens[-1]))["__typename"] == "PasswordReset"
    for token in tokens[1:-1]:
        assert (await reset(api, token))["__typename"] == "InvalidToken"


async def test_a_mail_whose_link_was_used_up_before_sending_is_not_sent(api, mail_settings, inbox):
    # given two requests queued, the first mail sent and its link used
    await factories.customer(email="ada@example.com")
    await ask(api, "ada@example.com")
    first = await OutboundEmail.get(kind=MailKind.PASSWORD_RESET)
    await ask(api, "ada@example.com")
    await OutboundEmail.exclude(id=first.id).update(
        next_attempt_at=datetime.now(UTC) + timedelta(hours=1)
    )
    await Worker(mail_settings).drain()
    [mail] = inbox.to("ada@example.com")
    token = LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    assert (await reset(api, token))["__typename"] == "PasswordReset"
    # when the worker reaches the second mail
    await OutboundEmail.filter(state="QUEUED").update(next_attempt_at=datetime.now(UTC))
    tally = await Worker(mail_settings).drain()
    # then it is dropped: its link died with the reset (the notice of the change goes)
    assert (tally.sent, tally.dropped) == (1, 1)
    second = await OutboundEmail.exclude(id=first.id).get(kind=MailKind.PASSWORD_RESET)
    assert second.state == "DROPPED"
    assert [mail["Subject"] for mail in inbox.to("ada@example.com")][1:] == [
        "Your Backline password was changed"
    ]


async def test_a_link_stops_working_once_the_password_is_changed(api, mail_settings, inbox):
    # given a link, then a change of password by the person, signed in
    ada = await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    assert (await change_password(api, ada.token, factories.PASSWORD, "changed in between"))[
        "__typename"
    ] == "PasswordChanged"
    # when the link is used
    result = await reset(api, token)
    # then it is refused, and the changed password stands
    assert result["__typename"] == "InvalidToken"
    assert await password_works(api, "ada@example.com", "changed in between")


async def test_a_link_stops_working_once_the_address_is_changed(
    api, mail_settings, inbox, settings
):
    # given a link mailed to the old address, then a confirmed change of address
    ada = await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    await api.data(
        'mutation { updateProfile(input: {email: "ada.new@example.com"}) { __typename } }',
        token=ada.token,
    )
    account = await Account.get(id=ada.account.id)
    await api.data(
        "mutation($t: String!) { confirmEmailChange(token: $t) { __typename } }",
        {"t": email_change.email_change_token(signer(settings), account)},
    )
    # when the link to the old address is used, then it is refused
    assert (await reset(api, token))["__typename"] == "InvalidToken"


async def test_links_of_another_kind_and_forged_ones_are_refused(
    api, mail_settings, inbox, settings
):
    # given a person with a live reset link, a pending change of address, an open
    # confirmation round and a promotion's unsubscribe link
    ada = await factories.customer(email="ada@example.com")
    genuine = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    account_id, nonce, expires = signer(settings).unsign("password-reset", genuine, 3)
    await api.data(
        'mutation { updateProfile(input: {email: "ada.new@example.com"}) { __typename } }',
        token=ada.token,
    )
    account = await Account.get(id=ada.account.id)
    account.email_confirmation_nonce = "0" * 32
    links = signer(settings)
    others = [
        email_change.email_change_token(links, account),
        address_confirmation.confirmation_token(links, account),
        make_token(links, account.id, Purpose.PROMOTIONAL_EMAILS),
        # the reset link's own payload, under every other kind's signature
        links.sign("email-change", [account_id, nonce, expires]),
        links.sign("address-confirmation", [account_id, nonce, expires]),
        # signed with another secret, garbled, empty, oversized
        LinkSigner("some-other-secret-key-some-other-secret").sign(
            "password-reset", [account_id, nonce, expires]
        ),
        genuine[:-3] + ("abc" if not genuine.endswith("abc") else "xyz"),
        "",
        "garbage",
        "y" * 10_000,
    ]
    # when each is used as a reset link, then each is refused and nothing changed
    for token in others:
        assert (await reset(api, token))["__typename"] == "InvalidToken", token
    assert (await Account.get(id=ada.account.id)).password_hash == ada.account.password_hash
    # and the genuine link still works
    assert (await reset(api, genuine))["__typename"] == "PasswordReset"


async def test_a_new_password_that_breaks_the_rules_is_refused_and_the_link_still_works(
    api, mail_settings, inbox
):
    ada = await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    for bad in ("short", "x" * 257):
        assert await reset(api, token, bad) == {
            "__typename": "ValidationError",
            "field": "newPassword",
        }
    assert await is_signed_in(api, ada.token)
    assert (await reset(api, token))["__typename"] == "PasswordReset"


async def test_a_malformed_address_is_a_validation_error(api):
    answer = (await ask(api, "not an address"))["data"]["requestPasswordReset"]
    assert (answer["__typename"], answer["field"]) == ("ValidationError", "email")


async def test_requests_are_limited_per_address_whether_or_not_anyone_uses_it(settings):
    # given two requests per address an hour
    limited = Settings(
        **settings.model_dump(exclude={"rate_limit_password_reset_per_address"}),
        rate_limit_password_reset_per_address="2/hour",
    )
    await factories.customer(email="ada@example.com")
    async for api in client_for(limited):
        # when a registered address and an unknown one are each asked three times,
        # the registered one in another case
        known = [await ask(api, "Ada@Example.com") for _ in range(3)]
        unknown = [await ask(api, "nobody@example.com") for _ in range(3)]
        other = await ask(api, "other@example.com")
    # then both get the same answer every time: nobody is refused for an address, so
    # nobody can lock its owner out of resetting by asking for it
    assert known == unknown
    assert [a["data"]["requestPasswordReset"]["__typename"] for a in known] == [
        "PasswordResetRequested"
    ] * 3
    # and past its share an address gets no more mail, while another is not affected
    assert other["data"]["requestPasswordReset"]["__typename"] == "PasswordResetRequested"
    assert await OutboundEmail.filter(kind=MailKind.PASSWORD_RESET).count() == 2


async def test_requests_are_limited_per_ip(settings):
    limited = Settings(
        **settings.model_dump(exclude={"rate_limit_password_reset_per_ip"}),
        rate_limit_password_reset_per_ip="3/hour",
    )
    async for api in client_for(limited):
        answers = [await ask(api, f"someone{n}@example.com") for n in range(4)]
    kinds = [a["data"]["requestPasswordReset"]["__typename"] for a in answers]
    assert kinds == ["PasswordResetRequested"] * 3 + ["RateLimited"]


async def test_the_reset_page_sets_a_password_without_a_frontend(
    api,
    mail_settings,
    inbox,
    settings,
    log_lines,  # noqa: F811 (the imported fixture)
):
    # given a link, and a person signed in
    ada = await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    await RequestLog.all().delete()
    path = f"/account/reset-password/{token}"
    # when the page is opened (a link scanner would), then it only asks
    page = await api.http.get(path)
    assert page.status_code == 200 and 'method="post"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert await is_signed_in(api, ada.token)
    # when a password that breaks the rules is sent, then the form says why
    short = await api.http.post(path, data={"password": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    # when a good one is sent, then it is set and every session ended
    done = await api.http.post(path, data={"password": NEW_PASSWORD})
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert not await is_signed_in(api, ada.token)
    assert await password_works(api, "ada@example.com", NEW_PASSWORD)
    # and the used link's page says it is no longer valid
    assert (await api.http.get(path)).status_code == 400
    # and neither the token nor the password reached the request log or any log line
    rows = await RequestLog.filter(path__startswith="/account").order_by("id")
    assert {row.path for row in rows} == {"/account/reset-password/{token}"}
    stored = str([row.__dict__ for row in await RequestLog.all()])
    assert token not in stored and NEW_PASSWORD not in stored
    assert not any(token in line or NEW_PASSWORD in line for line in log_lines.lines)


async def test_the_nonce_is_gone_from_the_outbox_once_the_mail_is_done(
    api, mail_settings, inbox, settings
):
    # given a reset link mailed
    ada = await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    _, nonce, _ = signer(settings).unsign("password-reset", token, 3)
    # then the outbox row no longer holds the nonce, the account only a digest of it
    [row] = await OutboundEmail.filter(kind=MailKind.PASSWORD_RESET)
    assert (row.state, row.context) == (MailState.SENT, {})
    digest = (await Account.get(id=ada.account.id)).password_reset_digest
    assert digest and nonce not in digest
    # and no page of the SQLite files holds the nonce or the token
    if settings.database_url.startswith("sqlite://"):
        await connections.get("default").execute_query("PRAGMA wal_checkpoint(TRUNCATE)")
        database = Path(settings.database_url.removeprefix("sqlite://"))
        files = [database, *database.parent.glob(database.name + "-*")]
        contents = b"".join(file.read_bytes() for file in files)
        assert nonce.encode() not in contents and token.encode() not in contents


async def test_a_reset_confirms_the_address_it_was_mailed_to(api, mail_settings, inbox):
    # given an account whose address is not confirmed
    ada = await factories.customer(email="ada@example.com", confirmed=False)
    # when the reset link mailed to it is used
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    await reset(api, token)
    # then the address is confirmed: the link proved it is hers
    assert (await Account.get(id=ada.account.id)).email_confirmed_at is not None


async def test_a_link_for_an_account_cancelled_since_is_refused(api, mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    token = await mailed_link(api, mail_settings, inbox, "ada@example.com")
    await api.data("mutation { cancelAccount { __typename } }", token=ada.token)
    assert (await reset(api, token))["__typename"] == "InvalidToken"


async def test_a_mail_queued_long_ago_is_not_sent_once_its_link_expired(api, mail_settings, inbox):
    # given a request whose mail could not go out before its link expired
    await factories.customer(email="ada@example.com")
    await ask(api, "ada@example.com")
    [row] = await OutboundEmail.filter(kind=MailKind.PASSWORD_RESET)
    past = int((datetime.now(UTC) - timedelta(seconds=1)).timestamp())
    await OutboundEmail.filter(id=row.id).update(context=row.context | {"expires": past})
    # when the worker runs, then nothing is sent and the nonce is erased
    tally = await Worker(mail_settings).drain()
    assert (tally.sent, tally.dropped) == (0, 1) and inbox.messages == []
    assert (await OutboundEmail.get(id=row.id)).context == {}
