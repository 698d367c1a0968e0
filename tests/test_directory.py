"""The public directory: only listings kept in it by active accounts, paged by opaque
cursors, with no contact data anywhere in its types."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    get_named_type,
)

from models.accounts import Account, AccountStatus
from schema.root import schema
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


# What anyone may ask without signing in. Every other query answers a signed-in person,
# a key's owner or staff with their own data (or nothing); a new query must be put in
# one list or the other, after review, before the test below passes.
PUBLIC_QUERIES = {
    "listings", "listing", "categories", "testimonials",
    "privacyPolicy", "policyNotices", "privacyContact",
    # Whether targeted ads may load: answered for anyone, anonymous callers included.
    "adsPolicy",
}  # fmt: skip
SIGNED_IN_QUERIES = {
    "me", "myDataExport", "legalHolds", "openPrivacyRequests", "findAccountByEmail",
    "sharedContacts", "sharedContactWithdrawals", "receivedInquiries",
    "sentInquiries", "auditEvents", "outboundEmails",
}  # fmt: skip
# Every field of every type a public query reaches, reviewed: none is a person's contact
# detail. A new field, or a new type reached, fails the test until it is added here.
PUBLIC_FIELDS = {
    "Listing": {
        "id", "title", "category", "city", "state", "description", "inDirectory",
        "performer", "board",
    },
    "Performer": {"id", "name", "listings"},
    "Testimonial": {"id", "authorName", "eventType", "city", "state", "quote", "status"},
    "BoardQuestion": {"id", "body", "askedAt", "askedBy", "answer"},
    "BoardAnswer": {"id", "body", "answeredAt"},
    "PrivacyPolicy": {"version", "summary", "effectiveAt", "purposes"},
    "PolicyNotice": {
        "version", "summary", "announcedAt", "effectiveAt", "materialChange", "purposes",
    },
    # The company's own contact point (the controller), not a person's.
    "PrivacyContact": {"controllerName", "email", "phone", "postalAddress"},
    "ListingConnection": {"edges", "pageInfo"},
    "ListingEdge": {"cursor", "node"},
    "TestimonialConnection": {"edges", "pageInfo"},
    "TestimonialEdge": {"cursor", "node"},
    "BoardQuestionConnection": {"edges", "pageInfo"},
    "BoardQuestionEdge": {"cursor", "node"},
    "PageInfo": {"endCursor", "hasNextPage"},
    # A yes/no and its reason: nothing of the person (privacy/ads.py).
    "AdsPolicy": {"targeted", "reason"},
}  # fmt: skip


def types_reached_from(schema: GraphQLSchema, queries: set[str]) -> dict[str, set[str]]:
    """Each object or interface type (with its fields) that the given queries can reach,
    through lists, connections, unions and interfaces."""
    reached: dict[str, set[str]] = {}
    query_fields = schema.query_type.fields
    pending = [get_named_type(query_fields[name].type) for name in queries if name in query_fields]
    while pending:
        named = pending.pop()
        if named.name in reached:
            continue
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            reached[named.name] = set(named.fields)
            pending += [get_named_type(field.type) for field in named.fields.values()]
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            reached.setdefault(named.name, set())
            pending += list(schema.get_possible_types(named))
    return reached


async def test_public_types_carry_no_contact_data(api):
    # given the schema the API serves
    served = build_schema(schema.as_str())
    # then every query is classified public or not
    assert set(served.query_type.fields) <= PUBLIC_QUERIES | SIGNED_IN_QUERIES
    # and what public queries reach holds the reviewed fields only
    reached = types_reached_from(served, PUBLIC_QUERIES)
    assert set(reached) <= set(PUBLIC_FIELDS), "a public query reaches an unreviewed type"
    for type_name, fields in reached.items():
        assert fields <= PUBLIC_FIELDS[type_name], (type_name, fields - PUBLIC_FIELDS[type_name])
    # and a client asking for a contact field through them is refused before anything runs
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
