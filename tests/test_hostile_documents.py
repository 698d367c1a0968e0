"""Hostile documents are refused with a clear error, quickly, and the server still
answers the next request."""

from __future__ import annotations

import base64
import time

import pytest

from models.accounts import Account
from tests import factories

NEXT = "{ categories }"


async def refused(api, query: str, variables=None, *, token=None) -> list[dict]:
    started = time.perf_counter()
    body = await api.request(query, variables, token=token)
    elapsed = time.perf_counter() - started
    assert body.get("errors"), body
    assert elapsed < 2, f"took {elapsed:.1f} s"
    # and the server still answers
    assert "Band" in (await api.data(NEXT))["categories"]
    return body["errors"]


def nested(depth: int) -> str:
    inner = "id"
    for _ in range(depth):
        inner = f"performer {{ listings {{ {inner} }} }}"
    return f"{{ listings {{ edges {{ node {{ {inner} }} }} }} }}"


async def test_deep_nesting_is_refused(api):
    errors = await refused(api, nested(100))
    assert "nested too deeply" in errors[0]["message"]
    errors = await refused(api, nested(6))
    assert "exceeds maximum operation depth" in errors[0]["message"]


async def test_a_thousand_aliases_are_refused(api):
    query = "{ " + " ".join(f"a{n}: categories" for n in range(1000)) + " }"
    errors = await refused(api, query)
    assert "tokens" in errors[0]["message"]  # the parser stops it first
    errors = await refused(api, "{ " + " ".join(f"a{n}: categories" for n in range(40)) + " }")
    assert "aliases" in errors[0]["message"].lower()


async def test_ten_thousand_tokens_are_refused(api):
    query = "{ " + " ".join("categories" for _ in range(10_000)) + " }"
    errors = await refused(api, query)
    assert "token" in errors[0]["message"].lower()


async def test_many_directives_are_refused(api):
    query = "{ " + " ".join(f"c{n}: categories @include(if: true)" for n in range(25)) + " }"
    errors = await refused(api, query)
    assert "directives" in errors[0]["message"]
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


MUTATIONS_WITH_STRINGS = [
    ("mutation($v: String!) { login(email: $v, password: $v) { __typename } }", None),
    (
        "mutation($v: String!) { register(input: {name: $v, email: $v, password: $v, "
        "role: CUSTOMER, consents: {promotionalEmails: false, partnerPromotions: false, "
        "contactSharing: false, targetedAds: false}}) { __typename } }",
        None,
    ),
    (
        "mutation($v: String!) { updateProfile(input: {name: $v, email: $v, phone: $v}) "
        "{ __typename } }",
        "customer",
    ),
    (
        "mutation($v: String!) { createListing(input: {title: $v, category: $v, city: $v, "
        "state: $v, description: $v}) { __typename } }",
        "performer",
    ),
    (
        'mutation($v: String!) { sendBookingInquiry(input: {listingId: "1", eventDate: $v, '
        "eventType: $v, message: $v}) { __typename } }",
        "customer",
    ),
    (
        "mutation($v: String!) { submitTestimonial(input: {quote: $v, eventType: $v, city: $v, "
        "state: $v}) { __typename } }",
        "customer",
    ),
    (
        "mutation($v: String!) { sendReferral(input: {friendName: $v, friendEmail: $v}) "
        "{ __typename } }",
        "customer",
    ),
    (
        "mutation($v: String!) { createApiKey(input: {name: $v, scopes: [CONTACTS_READ]}) "
        "{ __typename } }",
        "customer",
    ),
    ("mutation($v: String!) { unsubscribe(token: $v) { __typename } }", None),
    (
        "mutation($v: String!) { respondToTestimonialConsent(input: {token: $v, approve: true}) "
        "{ __typename } }",
        None,
    ),
    ("mutation($v: String!) { confirmEmailChange(token: $v) { __typename } }", None),
    (
        "query($v: String!) { listings(category: $v, city: $v, state: $v) { edges { cursor } } }",
        None,
    ),
]


@pytest.mark.parametrize(("document", "who"), MUTATIONS_WITH_STRINGS)
async def test_huge_strings_in_every_input_are_refused_as_data_and_change_nothing(
    api, document, who
):
    person = await (factories.customer() if who == "customer" else factories.performer())
    huge = "x" * 1_000_000
    accounts_before = await Account.all().count()
    started = time.perf_counter()
    body = await api.request(document, {"v": huge}, token=person.token if who else None)
    assert time.perf_counter() - started < 3
    field = next(iter((body.get("data") or {}).values()), None)
    if field is not None and "edges" in field:
        assert field["edges"] == []
    else:
        assert field is None or field["__typename"] not in {
            "AuthPayload",
            "Account",
            "Listing",
            "BookingInquiry",
            "Testimonial",
            "ReferralSent",
            "ApiKey",
            "Unsubscribed",
        }, body
    assert "INTERNAL_SERVER_ERROR" not in str(body)
    assert await Account.all().count() == accounts_before


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (
            "query($f: Int!) { listings(first: $f) { edges { cursor } } }",
            {"f": "ten"},
            "BAD_USER_INPUT",
        ),
        ("{ listings(first: -5) { edges { cursor } } }", None, "BAD_USER_INPUT"),
        ('{ listings(after: "not-a-cursor") { edges { cursor } } }', None, "BAD_USER_INPUT"),
        (
            "{ listings(first: 99999999999) { edges { cursor } } }",
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            'mutation { createApiKey(input: {name: "k", scopes: [ROOT]}) { __typename } }',
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ listing(id: {}) { id } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ categories ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_wrong_types_unknown_values_and_bad_cursors_are_client_errors(
    api, query, variables, code
):
    errors = await refused(api, query, variables)
    assert errors[0]["extensions"]["code"] == code


async def test_batching_is_off(api):
    response = await api.http.post("/graphql", json=[{"query": NEXT}, {"query": NEXT}])
    assert response.status_code == 400
    assert "Band" in (await api.data(NEXT))["categories"]


async def test_ten_unknown_directives_get_one_error(api):
    # graphql-cop's "directive overloading" probe
    errors = await refused(api, "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    assert len(errors) == 1
    assert errors[0]["message"] == "Unknown directive '@aa'."
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(
    "directives",
    [
        " ".join(f"@unknown{n}" for n in range(25)),  # unknown, and too many
        "@include(if: true) " * 10,  # known, repeated where it may appear once
    ],
)
async def test_too_many_or_repeated_directives_get_one_error(api, directives):
    errors = await refused(api, f"{{ categories {directives} }}")
    assert len(errors) == 1
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


NOT_OUR_IDS = [
    "²",  # a digit to str.isdigit(), and int() raises
    "١٢",  # Arabic-Indic twelve: int() reads 12
    "+1",
    " 1",
    "1_000",
    "-1",
    "0",
    "01",
    "1" * 400,
    "2147483648",  # past the 32-bit keys: PostgreSQL would refuse the query
]


@pytest.mark.parametrize("bad_id", NOT_OUR_IDS)
async def test_an_id_in_any_other_form_than_ours_names_nothing(api, bad_id):
    # given listings numbered at least up to twelve
    band = await factories.performer()
    while (await factories.listing(band)).id < 12:
        pass
    query = "query One($id: ID!) { listing(id: $id) { id } }"
    mutation = (
        "mutation Remove($id: ID!) { removeListingFromDirectory(id: $id) { __typename } "
        "revokeApiKey(id: $id) { __typename } }"
    )
    # when
    found = await api.request(query, {"id": bad_id})
    changed = await api.request(mutation, {"id": bad_id}, token=band.token)
    # then a query finds nothing, a mutation answers NotFound, and nothing went wrong
    assert found == {"data": {"listing": None}}
    assert changed == {
        "data": {
            "removeListingFromDirectory": {"__typename": "NotFound"},
            "revokeApiKey": {"__typename": "NotFound"},
        }
    }
    assert await api.data("{ listings { edges { cursor } } }")


@pytest.mark.parametrize("key", ["١٢", "²", "99999999999"])
async def test_a_cursor_with_a_key_in_any_other_form_is_bad_user_input(api, key):
    band = await factories.performer()
    await factories.listing(band)
    cursor = base64.urlsafe_b64encode(f"listing:{key}".encode()).decode().rstrip("=")
    errors = await refused(
        api, "query($a: String) { listings(after: $a) { edges { cursor } } }", {"a": cursor}
    )
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}
