"""A query's estimated cost (the product of page sizes along each path, summed over the
paths) is checked before it runs: over MAX_QUERY_COST it gets one error and nothing
runs. Every list that grows is capped, in SQL, so the estimate holds."""

from __future__ import annotations

import time

from models.api_keys import ApiScope
from models.listings import Listing
from tests import factories
from tests.conftest import client_for

LISTING_FIELDS = "id title"


def nested_listings(levels: int, first: str = "") -> str:
    """listings → performer → listings → …, `levels` lists of listings deep."""
    inner = LISTING_FIELDS
    for _ in range(levels - 1):
        inner = f"{LISTING_FIELDS} performer {{ listings {{ {inner} }} }}"
    return f"{{ listings{first} {{ edges {{ node {{ {inner} }} }} }} }}"


THREE_LEVELS = nested_listings(3)
TOO_COSTLY = "QUERY_TOO_COSTLY"


def only_bookkeeping(statements: list[str]) -> bool:
    """What a refused request may still cost: the public cache's version check and its
    line in the request log; no statement about listings or accounts."""
    return all("public_version" in sql or "request_log" in sql for sql in statements)


async def performer_with_listings(count: int, **overrides):
    band = await factories.performer(name="Prolific Band")
    listings = [await factories.listing(band, title=f"Act {n}", **overrides) for n in range(count)]
    return band, listings


async def test_the_nested_listings_attack_is_refused_before_anything_runs(api, sql_queries):
    # given one performer with 150 listings
    await performer_with_listings(150)
    sql_queries.reset()
    # when an anonymous client asks listings → performer → listings → performer → listings
    started = time.perf_counter()
    response = await api.http.post("/graphql", json={"query": THREE_LEVELS})
    elapsed = time.perf_counter() - started
    # then one error with its code, quickly, and no data at all
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [TOO_COSTLY]
    assert body["errors"][0]["extensions"]["maximumCost"] == 10_000
    assert body["errors"][0]["extensions"]["cost"] > 10_000
    assert len(response.content) < 1_000 and elapsed < 1
    # and not one query about listings or accounts ran
    assert sql_queries.statements and only_bookkeeping(sql_queries.statements)


async def test_a_refused_query_is_refused_again_and_never_cached(api, sql_queries):
    await performer_with_listings(3)
    for _ in range(2):
        errors = await api.errors(THREE_LEVELS)
        assert errors[0]["extensions"]["code"] == TOO_COSTLY
    sql_queries.reset()
    assert (await api.errors(THREE_LEVELS))[0]["extensions"]["code"] == TOO_COSTLY
    assert only_bookkeeping(sql_queries.statements)


async def test_the_cost_counts_page_sizes_given_through_variables(api):
    # given
    await performer_with_listings(3)
    query = """query Nested($first: Int!) {
      listings(first: $first) { edges { node { id performer { listings {
        id performer { listings { id } } } } } } }
    }"""
    # when a first page of one listing nests three levels: 1 + 50 + 2,500 nodes at most
    small = await api.data(query, {"first": 1})
    # then it runs
    assert len(small["listings"]["edges"]) == 1
    # but twenty listings at the top (20 + 1,000 + 50,000) is refused
    errors = await api.errors(query, {"first": 20})
    assert [error["extensions"]["code"] for error in errors] == [TOO_COSTLY]


async def test_fragments_do_not_hide_the_cost(api):
    await performer_with_listings(3)
    query = """
    query { listings { edges { node { ...Deeper } } } }
    fragment Deeper on Listing { performer { listings { ... on Listing { ...Deepest } } } }
    fragment Deepest on Listing { performer { listings { id } } }
    """
    errors = await api.errors(query)
    assert [error["extensions"]["code"] for error in errors] == [TOO_COSTLY]


async def test_a_costly_mutation_is_refused_and_changes_nothing(api):
    # given
    band = await factories.performer()
    before = await Listing.all().count()
    # when a mutation asks for three nested levels of listings in its answer
    mutation = (
        'mutation { createListing(input: {title: "New", category: "DJ", city: "Austin", '
        'state: "TX", description: ""}) { ... on Listing { performer { listings { '
        "performer { listings { performer { listings { id } } } } } } } } }"
    )
    errors = await api.errors(mutation, token=band.token)
    # then it is refused, and nothing was created
    assert [error["extensions"]["code"] for error in errors] == [TOO_COSTLY]
    assert await Listing.all().count() == before


async def test_production_refuses_with_the_code_and_http_400_for_graphql_response_json(
    production_api,
):
    await performer_with_listings(2)
    response = await production_api.http.post(
        "/graphql",
        json={"query": THREE_LEVELS},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == TOO_COSTLY
    assert "objects" in body["errors"][0]["message"]  # not masked as an unexpected error


async def test_a_full_directory_page_with_each_performers_listings_runs_capped(api):
    # given a performer with more listings than the cap
    await performer_with_listings(55)
    # when a full page (100) asks each performer's listings (at most 50): 5,100 nodes
    query = nested_listings(2, first="(first: 100)")
    page = (await api.data(query))["listings"]["edges"]
    # then it runs, and each performer shows the 50 newest of their listings
    assert len(page) == 55
    nested = page[0]["node"]["performer"]["listings"]
    assert [listing["title"] for listing in nested] == [f"Act {n}" for n in range(54, 4, -1)]


async def test_every_list_that_grows_is_capped_newest_first(settings):
    # given a cap of three, and a performer with five of everything
    capped = settings.model_copy(update={"max_list_items": 3})
    band, listings = await performer_with_listings(5)
    for _ in range(5):
        await factories.api_key(band, ApiScope.CONTACTS_READ)
    query = """{ me { listings { id } apiKeys { id } consentHistory { purpose }
      listings { performer { listings { id } } } } }"""
    async for api in client_for(capped):
        # when the performer reads their own lists
        me = (await api.data(query, token=band.token))["me"]
        # then each holds the three newest
        newest = [str(listing.id) for listing in reversed(listings)][:3]
        assert [listing["id"] for listing in me["listings"]] == newest
        assert len(me["apiKeys"]) == 3
        assert len(me["consentHistory"]) == 3  # of four recorded at registration
        assert [item["id"] for item in me["listings"][0]["performer"]["listings"]] == newest


async def test_capped_lists_cost_the_same_queries_whatever_their_length(api, sql_queries):
    # given two performers with a listing each
    for _ in range(2):
        await performer_with_listings(1)
    query = nested_listings(2)
    sql_queries.reset()
    await api.data(query)
    few = sql_queries.count
    # when they have sixty listings each, more than the cap
    for _ in range(2):
        await performer_with_listings(60)
    sql_queries.reset()
    page = (await api.data(query))["listings"]["edges"]
    # then the page costs the same statements, and each list holds the cap
    assert sql_queries.count == few
    assert {len(edge["node"]["performer"]["listings"]) for edge in page} == {50}
