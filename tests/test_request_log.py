"""Log files link IPs to users: each request is logged with its time, IP, user agent,
account and operation name, and nothing else of what was sent."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from tortoise import connections

from models.purposes import Purpose
from models.retention import RequestLog
from models.tokens import LinkSigner
from privacy import testimonials
from privacy.email_change import email_change_token
from privacy.unsubscribe import make_token
from rate_limits import RateLimits
from services import profiles
from services.testimonials import TestimonialFields, submit
from tests import factories

LOGIN = """mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { __typename } }"""


async def test_each_request_is_logged_with_who_and_where_but_no_secret(api):
    ada = await factories.customer(email="ada@example.com")
    await api.http.post(
        "/graphql",
        json={"query": "query MyProfile { me { id } }"},
        headers={"Authorization": f"Bearer {ada.token}", "User-Agent": "BacklineTest/1.0"},
    )
    await api.http.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"email": "ada@example.com", "password": "s3cret-pw!!"},
            "operationName": "SignIn",
        },
    )
    signed_in, anonymous = await RequestLog.all().order_by("id")
    assert (signed_in.ip, signed_in.user_agent, signed_in.account_id, signed_in.operation) == (
        "203.0.113.9",
        "BacklineTest/1.0",
        ada.account.id,
        "MyProfile",
    )
    assert (signed_in.method, signed_in.path, signed_in.status) == ("POST", "/graphql", 200)
    assert (anonymous.account_id, anonymous.operation) == (None, "SignIn")
    stored = str([row.__dict__ for row in await RequestLog.all()])
    assert ada.token not in stored and "s3cret-pw" not in stored and "ada@example.com" not in stored


async def test_pages_outside_graphql_are_logged_too(api):
    await api.http.get("/healthz?token=abc")
    [entry] = await RequestLog.all()
    assert (entry.path, entry.operation, entry.status) == ("/healthz", None, 200)


class LogLines(logging.Handler):
    """Every line the server writes while it is attached (httpx is the test's client)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(("httpx", "httpcore")):
            self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Includes the SQL Tortoise logs at DEBUG, where every value written shows."""
    handler, sql = LogLines(), logging.getLogger("tortoise.db_client")
    previous_level = sql.level
    sql.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    sql.setLevel(previous_level)


async def link_tokens(settings) -> dict[str, str]:
    """A live token of each link that works without a session, by route."""
    secret = LinkSigner(settings.secret_key.get_secret_value())
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    testimonial = await submit(
        ada.account,
        TestimonialFields(
            quote="They played all night.", event_type="Wedding", city="Austin", state="TX"
        ),
    )
    account = await profiles.update_profile(
        RateLimits(settings), ada.account, ip=None, email="ada.new@example.com"
    )
    return {
        "/unsubscribe/{token}": make_token(secret, ada.account.id, Purpose.PROMOTIONAL_EMAILS),
        "/testimonials/consent/{token}": testimonials.consent_token(secret, testimonial),
        "/account/confirm-email/{token}": email_change_token(secret, account),
    }


async def test_link_tokens_are_logged_as_their_route_and_never_stored(api, settings, log_lines):
    # given a working token for each mailed link
    tokens = await link_tokens(settings)
    # when each link is opened and then answered
    for route, token in tokens.items():
        path = route.replace("{token}", token)
        assert (await api.http.get(path)).status_code == 200
        answer = await api.http.post(path, data={"decision": "approve"})
        assert answer.status_code == 200
    # then the request log names each route, with no token in it
    rows = await RequestLog.all().order_by("id")
    assert [(row.method, row.path) for row in rows] == [
        (method, route) for route in tokens for method in ("GET", "POST")
    ]
    stored = str([row.__dict__ for row in rows])
    for token in tokens.values():
        assert token not in stored
        assert not any(token in line for line in log_lines.lines)
    # and no page of the database file (nor its journal) holds one either
    if settings.database_url.startswith("sqlite://"):
        await connections.get("default").execute_query("PRAGMA wal_checkpoint(TRUNCATE)")
        database = Path(settings.database_url.removeprefix("sqlite://"))
        files = [database, *database.parent.glob(database.name + "-*")]
        contents = b"".join(file.read_bytes() for file in files)
        for token in tokens.values():
            assert token.encode() not in contents


async def test_an_unknown_path_keeps_only_its_plain_words(api, settings):
    # given a token pasted into paths no route serves
    token = (await link_tokens(settings))["/unsubscribe/{token}"]
    # when they are requested
    for path in (f"/unsubscribe/{token}/", f"/no-such-page/{token}/more", "/robots.txt"):
        await api.http.get(path)
    # then the log keeps their shape, never the token
    assert [row.path for row in await RequestLog.all().order_by("id")] == [
        "/unsubscribe/{segment}/",
        "/no-such-page/{segment}/more",
        "/robots.txt",
    ]
