"""Public anonymous responses are cached, and every write that changes public data,
by any worker, invalidates them at once."""

from __future__ import annotations

from models.accounts import Account
from models.listings import Listing
from tests import factories
from tests.conftest import client_for

DIRECTORY = "{ listings { edges { node { title performer { name } } } } }"


def titles(result) -> list[str]:
    return [edge["node"]["title"] for edge in result["listings"]["edges"]]


async def test_a_repeated_public_query_is_answered_from_the_cache(api, sql_queries):
    band = await factories.performer()
    await factories.listing(band, title="First")
    await api.data(DIRECTORY)
    sql_queries.reset()
    assert titles(await api.data(DIRECTORY)) == ["First"]
    # only the version check, the revisions of the listings it shows, and the log line
    assert sql_queries.count == 3


async def test_a_write_through_another_worker_is_seen_at_once(settings):
    band = await factories.performer()
    await factories.listing(band, title="First")
    async for worker_a in client_for(settings):
        async for worker_b in client_for(settings):
            assert titles(await worker_a.data(DIRECTORY)) == ["First"]
            await worker_b.data(
                'mutation { createListing(input: {title: "Second", category: "DJ", '
                'city: "Austin", state: "TX", description: ""}) { __typename } }',
                token=band.token,
            )
            assert titles(await worker_a.data(DIRECTORY)) == ["Second", "First"]


async def test_changes_made_outside_the_api_invalidate_too(api):
    band = await factories.performer(name="Old Name")
    listing = await factories.listing(band, title="Act")
    assert (await api.data(DIRECTORY))["listings"]["edges"][0]["node"]["performer"]["name"] == (
        "Old Name"
    )
    await Account.filter(id=band.account.id).update(name="New Name")
    result = await api.data(DIRECTORY)
    assert result["listings"]["edges"][0]["node"]["performer"]["name"] == "New Name"
    await Listing.filter(id=listing.id).update(in_directory=False)
    assert titles(await api.data(DIRECTORY)) == []


async def test_signed_in_and_private_queries_are_never_cached(api, sql_queries):
    # given a signed-in answer, served once
    ada = await factories.customer(phone="+1 512 555 0100")
    query = "{ me { phone } categories }"
    assert (await api.data(query, token=ada.token))["me"] == {"phone": "+1 512 555 0100"}
    # when private data changes without touching anything public (no version bump)
    account = await Account.get(id=ada.account.id)
    account.phone = "+1 512 555 0199"
    await account.save(update_fields=["phone"])
    sql_queries.reset()
    again = await api.data(query, token=ada.token)
    # then the same query is answered afresh: its session is looked up, its data is new
    assert again["me"] == {"phone": "+1 512 555 0199"}
    assert any('"session"' in statement for statement in sql_queries.statements)
    # and a signed-in answer is never served to an anonymous caller
    assert (await api.data("{ me { phone } }")) == {"me": None}
    # and even a public query sent signed in is executed, not answered from the cache
    await factories.listing(await factories.performer(), title="Act")
    await api.data(DIRECTORY, token=ada.token)
    sql_queries.reset()
    assert titles(await api.data(DIRECTORY, token=ada.token)) == ["Act"]
    assert any('FROM "listing"' in statement for statement in sql_queries.statements)


ONE = "query One($id: ID!) { listing(id: $id) { description } }"


async def test_an_answer_too_large_for_its_share_of_the_bytes_is_not_kept(settings, sql_queries):
    # given a cache of 64 KiB, so no answer over 8 KiB is kept
    small_cache = settings.model_copy(update={"public_cache_max_bytes": 64 * 1024})
    band = await factories.performer()
    for _ in range(5):
        await factories.listing(band, description="x" * 3000)
    big = "{ listings { edges { node { description } } } }"
    async for api in client_for(small_cache):
        await api.data(big)
        await api.data("{ categories }")
        # when both are asked again
        sql_queries.reset()
        await api.data("{ categories }")
        small_hit = sql_queries.count
        sql_queries.reset()
        await api.data(big)
        # then the small answer came from the cache, the 15 KB one from the database
        assert small_hit == 2
        assert sql_queries.count > 2


async def test_the_cache_keeps_no_more_bytes_than_its_budget(settings, sql_queries):
    # given a cache of 16 KiB and ten answers of about 1.8 KB each
    small_cache = settings.model_copy(update={"public_cache_max_bytes": 16 * 1024})
    band = await factories.performer()
    listings = [await factories.listing(band, description="x" * 1800) for _ in range(10)]
    async for api in client_for(small_cache):
        for listing in listings:
            await api.data(ONE, {"id": str(listing.id)})
        # when the newest and the oldest are asked again
        sql_queries.reset()
        await api.data(ONE, {"id": str(listings[-1].id)})
        newest = list(sql_queries.statements)
        sql_queries.reset()
        await api.data(ONE, {"id": str(listings[0].id)})
        # then the newest is still kept, the oldest was dropped to stay in budget
        assert not any('FROM "listing"' in statement for statement in newest)
        assert any('FROM "listing"' in statement for statement in sql_queries.statements)


EDIT = """mutation ($id: ID!, $title: String!, $category: String!) {
  updateListing(id: $id, input: {title: $title, category: $category, city: "Austin",
    state: "TX", description: ""}) { __typename } }"""
BY_CATEGORY = "query ($c: String) { listings(category: $c) { edges { node { title } } } }"


async def page(api, category: str) -> list[str]:
    return titles(await api.data(BY_CATEGORY, {"c": category}))


async def test_editing_one_listing_renews_only_the_pages_that_show_it(api, sql_queries):
    # given two cached pages, each showing one band's listing
    band, dj = await factories.performer(), await factories.performer()
    await factories.listing(band, title="Soul band", category="Band")
    spinning = await factories.listing(dj, title="Old DJ", category="DJ")
    assert await page(api, "Band") == ["Soul band"] and await page(api, "DJ") == ["Old DJ"]
    # when the DJ edits the text of their listing
    answer = await api.data(
        EDIT, {"id": str(spinning.id), "title": "New DJ", "category": "DJ"}, token=dj.token
    )
    assert answer["updateListing"]["__typename"] == "Listing"
    # then the band's page is still served from the cache, without running the query
    sql_queries.reset()
    assert await page(api, "Band") == ["Soul band"]
    assert not any('FROM "listing"' in statement for statement in sql_queries.statements)
    # and the DJ's page shows the new text at once
    assert await page(api, "DJ") == ["New DJ"]


async def test_a_listing_moved_to_another_category_leaves_every_page_it_left(api):
    # given a cached page of bands
    band = await factories.performer()
    moving = await factories.listing(band, title="Act", category="Band")
    assert await page(api, "Band") == ["Act"] and await page(api, "DJ") == []
    # when the listing moves to another category
    await api.data(EDIT, {"id": str(moving.id), "title": "Act", "category": "DJ"}, token=band.token)
    # then the page it left and the page it joined both know at once
    assert await page(api, "Band") == []
    assert await page(api, "DJ") == ["Act"]


async def test_a_listing_edited_outside_the_api_renews_its_pages(api):
    # given a cached page
    band = await factories.performer()
    listing = await factories.listing(band, title="Before", category="Band")
    assert await page(api, "Band") == ["Before"]
    # when its text is changed by hand, in SQL
    await Listing.filter(id=listing.id).update(title="After")
    # then the trigger's revision renews the page
    assert await page(api, "Band") == ["After"]
