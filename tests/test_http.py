"""GraphQL over HTTP: media types, status codes, security headers and CORS."""

from __future__ import annotations

from settings import Settings
from tests.conftest import client_for

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_a_client_accepting_graphql_response_json_gets_it(api):
    response = await api.http.post(
        "/graphql", json={"query": "{ categories }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)


async def test_a_request_error_is_a_400_without_data_for_graphql_response_json(api):
    for body in (
        {"query": "{"},
        {"query": "{ nope }"},
        {
            "query": "query($f: Int!) { listings(first: $f) { edges { cursor } } }",
            "variables": {"f": "x"},
        },
    ):
        response = await api.http.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})
        assert response.status_code == 400, body
        assert "data" not in response.json()


async def test_application_json_clients_keep_status_200(api):
    response = await api.http.post(
        "/graphql", json={"query": "{ nope }"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


async def test_every_response_carries_security_headers(api):
    for response in (
        await api.http.post("/graphql", json={"query": "{ categories }"}),
        await api.http.get("/healthz"),
        await api.http.get("/unsubscribe/garbage"),
        await api.http.get("/graphql", headers={"Accept": "text/html"}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_production_csp_allows_no_script(production_api):
    response = await production_api.http.get("/healthz")
    csp = response.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert "max-age" in response.headers["strict-transport-security"]


async def test_cors_is_off_unless_allowed_origins_is_set(api, settings):
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    response = await api.http.options("/graphql", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    allowed = Settings(
        **settings.model_dump(exclude={"allowed_origins"}), allowed_origins="https://app.example"
    )
    async for client in client_for(allowed):
        response = await client.http.options("/graphql", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        other = await client.http.options(
            "/graphql", headers=preflight | {"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers
