"""The public directory: only listings kept in it by active accounts, paged by opaque
cursors, with no contact data anywhere in its types."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.accounts import Account, AccountStatus
from tests import factories

DIRECTORY = """
query Directory($category: String, $city: String, $state: String, $first: Int!, $after: String) {
  listings(category: $category, city: $city, state: $state, first: $first, after: $after) {
    edges { cursor node { id title category city state performer { id name listings { id } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def directory(api, **variables):
    result = await api.data(DIRECTORY, {"first": 20} | variables)
    return result["listings"]


def titles(connection) -> list[str]:
    return [edge["node"]["title"] for edge in connection["edges"]]


async def test_directory_lists_only_listings_in_it_of_active_accounts(api):
    # given
    band = await factories.performer(name="The Band")
    gone = await factories.performer(name="Gone Away")
    await factories.listing(band, title="Shown")
    await factories.listing(band, title="Removed", in_directory=False)
    await factories.listing(gone, title="Of a cancelled account")
    await Account.filter(id=gone.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime.now(UTC)
    )
    # when
    connection = await directory(api)
    # then
    assert titles(connection) == ["Shown"]
    assert connection["edges"][0]["node"]["performer"]["name"] == "The Band"


async def test_directory_filters_by_category_city_and_state(api):
    band = await factories.performer()
    await factories.listing(band, title="Austin band", category="Band", city="Austin", state="TX")
    await factories.listing(band, title="Austin DJ", category="DJ", city="Austin", state="TX")
    await factories.listing(band, title="Boston band", category="Band", city="Boston", state="MA")
    assert titles(await directory(api, category="Band", city="austin")) == ["Austin band"]
    assert titles(await directory(api, state="TX")) == ["Austin DJ", "Austin band"]
    assert titles(await directory(api, category="Juggler")) == []


async def test_pages_follow_each_other_newest_first_without_gaps_or_repeats(api):
    # given seven listings
    band = await factories.performer()
    for number in range(7):
        await factories.listing(band, title=f"Listing {number}")
    # when read three at a time
    seen, after = [], None
    while True:
        page = await directory(api, first=3, after=after)
        seen += titles(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then
    assert seen == [f"Listing {number}" for number in reversed(range(7))]


async def test_a_cursor_stays_valid_when_a_listing_is_added_before_the_next_page(api):
    band = await factories.performer()
    for number in range(4):
        await factories.listing(band, title=f"Listing {number}")
    first_page = await directory(api, first=2)
    await factories.listing(band, title="Newer")
    second_page = await directory(api, first=2, after=first_page["pageInfo"]["endCursor"])
    assert titles(second_page) == ["Listing 1", "Listing 0"]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"after": "garbage"}, "after"),
        ({"after": "dGVzdGltb25pYWw6MQ"}, "after"),  # a cursor of another connection
        ({"after": "bGlzdGluZzp4"}, "after"),  # "listing:x"
    ],
)
async def test_bad_page_arguments_are_bad_user_input(api, variables, argument):
    errors = await api.errors(DIRECTORY, {"first": 20} | variables)
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


async def test_listing_by_id_is_null_when_not_in_the_directory(api):
    band = await factories.performer()
    shown = await factories.listing(band)
    removed = await factories.listing(band, in_directory=False)
    query = "query One($id: ID!) { listing(id: $id) { title } }"
    assert (await api.data(query, {"id": str(shown.id)}))["listing"] == {"title": shown.title}
    assert (await api.data(query, {"id": str(removed.id)}))["listing"] is None
    assert (await api.data(query, {"id": "not-a-number"}))["listing"] is None
    assert (await api.data(query, {"id": "99999999999999999999999"}))["listing"] is None


async def test_categories_are_the_fixed_list(api):
    categories = (await api.data("{ categories }"))["categories"]
    assert "Band" in categories and "Magician" in categories
    assert len(categories) == len(set(categories))


async def test_public_types_carry_no_contact_data(api):
    query = '{ __type(name: "%s") { fields { name } } }'
    for type_name in ("Performer", "Listing"):
        fields = {f["name"] for f in (await api.data(query % type_name))["__type"]["fields"]}
        assert not fields & {"email", "phone", "emailAddress", "phoneNumber"}, type_name
    errors = await api.errors("{ listings { edges { node { performer { email } } } } }")
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_directory_page_costs_the_same_queries_whatever_its_size(api, sql_queries):
    # given five performers with one listing each
    performers = [await factories.performer() for _ in range(5)]
    for someone in performers:
        await factories.listing(someone)
    sql_queries.reset()
    await directory(api, first=20)
    small_page = sql_queries.count
    # when fifteen more performers list
    for _ in range(15):
        await factories.listing(await factories.performer())
    sql_queries.reset()
    page = await directory(api, first=20)
    # then twenty listings cost what five did
    assert len(page["edges"]) == 20
    # the public version (for the response cache), the page, its performers, their
    # listings, and the request log line
    assert sql_queries.count == small_page == 5
