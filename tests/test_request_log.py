"""Log files link IPs to users: each request is logged with its time, IP, user agent,
account and operation name, and nothing else of what was sent."""

from __future__ import annotations

from models.retention import RequestLog
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
