"""APP_ENV=production: no GraphiQL, no introspection, no suggestions, unexpected
errors masked, mutations never over GET."""

from __future__ import annotations

import pytest

from schema.limits import is_unexpected
from tests import factories


async def test_graphiql_is_off(production_api):
    response = await production_api.http.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in response.text.lower()
    assert response.status_code in {400, 404, 405}


async def test_introspection_is_off(production_api):
    errors = await production_api.errors("{ __schema { types { name } } }")
    assert "introspection" in errors[0]["message"].lower()
    errors = await production_api.errors('{ __type(name: "Account") { fields { name } } }')
    assert errors


@pytest.mark.parametrize(
    "query",
    [
        "{ listing { titl } }",  # a field
        '{ listings(categry: "Band") { edges { cursor } } }',  # an argument
        "query($x: Strin) { categories }",  # a type
        'mutation { createApiKey(input: {name: "k", scopes: [CONTACTS_REA]}) { __typename } }',
    ],
)
async def test_no_did_you_mean_suggestions(production_api, api, query):
    production = await production_api.errors(query)
    assert not any("Did you mean" in error["message"] for error in production)
    development = await api.errors(query)
    assert development  # the same mistake is still refused in development


async def test_unexpected_errors_are_masked_but_keep_their_code(production_api, monkeypatch):
    from models import directory

    async def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(directory, "directory_page", broken)
    errors = await production_api.errors("{ listings { edges { cursor } } }")
    assert errors[0]["message"] == "Unexpected error."
    assert errors[0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in str(errors) and "Traceback" not in str(errors)


async def test_expected_errors_are_not_masked(production_api):
    errors = await production_api.errors('{ listings(after: "bad") { edges { cursor } } }')
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == "This cursor is not valid here."


async def test_mutations_are_refused_over_get(production_api):
    ada = await factories.customer()
    response = await production_api.http.get(
        "/graphql",
        params={"query": "mutation { logout }"},
        headers={"Authorization": f"Bearer {ada.token}"},
    )
    assert response.status_code in {400, 405}
    assert (await production_api.data("{ me { id } }", token=ada.token))["me"] is not None


async def test_queries_over_get_work(production_api):
    response = await production_api.http.get("/graphql", params={"query": "{ categories }"})
    assert response.status_code == 200 and "Band" in response.text


async def test_only_json_bodies_are_accepted(production_api):
    response = await production_api.http.post(
        "/graphql",
        content="query={ categories }",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in {400, 415}


def test_only_errors_wrapping_an_exception_are_unexpected():
    from graphql import GraphQLError

    from errors import BadUserInput, NotAuthorizedError

    assert is_unexpected(GraphQLError("x", original_error=KeyError("k")))
    assert not is_unexpected(GraphQLError("x"))
    assert not is_unexpected(GraphQLError("x", original_error=BadUserInput("first", "m")))
    assert not is_unexpected(GraphQLError("x", original_error=NotAuthorizedError()))
