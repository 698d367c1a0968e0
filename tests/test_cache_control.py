"""Private answers carry `Cache-Control: no-store`: anything sent with Authorization,
and every mutation (signing in sets up a session). Public anonymous queries keep
their own headers."""

from __future__ import annotations

from tests import factories

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on AuthPayload { token } } }"""


async def test_a_query_sent_with_authorization_is_no_store(api):
    # given a signed-in person and a request with a token that names no one
    ada = await factories.customer()
    # when each asks a query, over POST and over GET
    responses = [
        await api.http.post(
            "/graphql",
            json={"query": "{ me { email } }"},
            headers={"Authorization": f"Bearer {ada.token}"},
        ),
        await api.http.get(
            "/graphql",
            params={"query": "{ me { email } }"},
            headers={"Authorization": f"Bearer {ada.token}"},
        ),
        await api.http.post(
            "/graphql",
            json={"query": "{ categories }"},
            headers={"Authorization": "Bearer bls_nobody"},
        ),
        await api.http.get("/healthz", headers={"Authorization": f"Bearer {ada.token}"}),
    ]
    # then no cache may keep any answer
    assert [response.headers.get("cache-control") for response in responses] == ["no-store"] * 4
    assert ada.account.email in responses[0].text


async def test_every_mutation_is_no_store_signed_in_or_not(api):
    # given an account
    ada = await factories.customer(email="ada@example.com")
    # when someone signs in, fails to, and runs a mutation refused to anonymous callers
    signed_in = await api.http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"e": "ada@example.com", "p": factories.PASSWORD}},
    )
    failed = await api.http.post(
        "/graphql", json={"query": LOGIN, "variables": {"e": "ada@example.com", "p": "wrong"}}
    )
    refused = await api.http.post("/graphql", json={"query": "mutation { logout }"})
    # then none of the answers, the new session above all, may be kept
    assert "token" in signed_in.json()["data"]["login"]
    for response in (signed_in, failed, refused):
        assert response.headers.get("cache-control") == "no-store", response.text
    assert ada.account.id


async def test_public_anonymous_queries_keep_their_headers_and_signed_in_ones_do_not(api):
    # given a person, and the directory's categories asked anonymously twice (cached) and by GET
    ada = await factories.customer()
    public = [
        await api.http.post("/graphql", json={"query": "{ categories }"}),
        await api.http.post("/graphql", json={"query": "{ categories }"}),
        await api.http.get("/graphql", params={"query": "{ categories }"}),
    ]
    # when the same query is asked signed in
    private = await api.http.post(
        "/graphql",
        json={"query": "{ categories }"},
        headers={"Authorization": f"Bearer {ada.token}"},
    )
    # then only the signed-in answer is marked
    assert [response.headers.get("cache-control") for response in public] == [None] * 3
    assert private.headers.get("cache-control") == "no-store"
    assert all(response.json() == private.json() for response in public)
