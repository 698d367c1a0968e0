"""Performers manage their own listings; staff may remove one on request."""

from __future__ import annotations

import pytest

from models.listings import Listing
from tests import factories

LISTING_FIELDS = """
  __typename
  ... on Listing { id title category inDirectory }
  ... on ValidationError { field message }
  ... on NotAuthorized { message }
  ... on NotFound { message }
"""
CREATE = "mutation Create($input: ListingInput!) { createListing(input: $input) { %s } }" % (
    LISTING_FIELDS
)
UPDATE = (
    "mutation Update($id: ID!, $input: ListingInput!) { updateListing(id: $id, input: $input) "
    "{ %s } }" % LISTING_FIELDS
)
REMOVE = "mutation Remove($id: ID!) { removeListingFromDirectory(id: $id) { %s } }" % (
    LISTING_FIELDS
)
RESTORE = "mutation Restore($id: ID!) { restoreListingToDirectory(id: $id) { %s } }" % (
    LISTING_FIELDS
)


def listing_input(**overrides):
    return {
        "title": "Jazz trio",
        "category": "Band",
        "city": "Austin",
        "state": "TX",
        "description": "Standards for cocktail hours.",
    } | overrides


async def test_a_performer_lists_in_the_directory(api):
    band = await factories.performer()
    result = (await api.data(CREATE, {"input": listing_input()}, token=band.token))["createListing"]
    assert result["__typename"] == "Listing" and result["inDirectory"] is True
    mine = (await api.data("{ me { listings { title } } }", token=band.token))["me"]["listings"]
    assert mine == [{"title": "Jazz trio"}]


async def test_a_customer_cannot_list(api):
    ada = await factories.customer()
    result = (await api.data(CREATE, {"input": listing_input()}, token=ada.token))["createListing"]
    assert result["__typename"] == "NotAuthorized"
    assert await Listing.all().count() == 0


async def test_anonymous_cannot_list(api):
    result = (await api.data(CREATE, {"input": listing_input()}))["createListing"]
    assert result["__typename"] == "NotAuthorized"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "Juggler"}, "category"),
        ({"title": "  "}, "title"),
        ({"title": "t" * 121}, "title"),
        ({"city": ""}, "city"),
        ({"state": ""}, "state"),
        ({"description": "d" * 5001}, "description"),
    ],
)
async def test_bad_listing_values_are_validation_errors_and_store_nothing(api, change, field):
    band = await factories.performer()
    result = (await api.data(CREATE, {"input": listing_input(**change)}, token=band.token))[
        "createListing"
    ]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert await Listing.all().count() == 0


async def test_an_invalid_update_leaves_the_listing_as_it_was(api):
    band = await factories.performer()
    listing = await factories.listing(band, title="Original")
    result = (
        await api.data(
            UPDATE,
            {"id": str(listing.id), "input": listing_input(title="New", category="Juggler")},
            token=band.token,
        )
    )["updateListing"]
    assert result["field"] == "category"
    assert (await Listing.get(id=listing.id)).title == "Original"


async def test_the_owner_updates_a_listing(api):
    band = await factories.performer()
    listing = await factories.listing(band)
    result = (
        await api.data(
            UPDATE, {"id": str(listing.id), "input": listing_input(title="New")}, token=band.token
        )
    )["updateListing"]
    assert result["title"] == "New"


async def test_someone_elses_listing_cannot_be_changed(api):
    owner = await factories.performer()
    other = await factories.performer()
    listing = await factories.listing(owner, title="Original")
    for mutation, variables in (
        (UPDATE, {"id": str(listing.id), "input": listing_input(title="Hijacked")}),
        (REMOVE, {"id": str(listing.id)}),
        (RESTORE, {"id": str(listing.id)}),
    ):
        result = await api.data(mutation, variables, token=other.token)
        assert next(iter(result.values()))["__typename"] == "NotAuthorized"
    stored = await Listing.get(id=listing.id)
    assert (stored.title, stored.in_directory) == ("Original", True)


async def test_a_listing_out_of_the_directory_is_not_found_for_others(api):
    owner = await factories.performer()
    other = await factories.performer()
    hidden = await factories.listing(owner, in_directory=False)
    result = (await api.data(RESTORE, {"id": str(hidden.id)}, token=other.token))[
        "restoreListingToDirectory"
    ]
    assert result["__typename"] == "NotFound"
    assert not (await Listing.get(id=hidden.id)).in_directory


@pytest.mark.parametrize("listing_id", ["424242", "abc", "-1", ""])
async def test_unknown_listing_ids_are_not_found(api, listing_id):
    band = await factories.performer()
    result = (await api.data(REMOVE, {"id": listing_id}, token=band.token))[
        "removeListingFromDirectory"
    ]
    assert result["__typename"] == "NotFound"


async def test_removal_from_the_directory_takes_effect_at_once_and_can_be_undone(api):
    band = await factories.performer()
    listing = await factories.listing(band)
    directory = "{ listings { edges { node { id } } } }"
    removed = (await api.data(REMOVE, {"id": str(listing.id)}, token=band.token))[
        "removeListingFromDirectory"
    ]
    assert removed["inDirectory"] is False
    assert (await api.data(directory))["listings"]["edges"] == []
    await api.data(RESTORE, {"id": str(listing.id)}, token=band.token)
    assert (await api.data(directory))["listings"]["edges"] == [{"node": {"id": str(listing.id)}}]


async def test_staff_remove_a_listing_on_request_but_do_not_restore_it(api):
    band = await factories.performer()
    clerk = await factories.staff()
    listing = await factories.listing(band)
    removed = (await api.data(REMOVE, {"id": str(listing.id)}, token=clerk.token))[
        "removeListingFromDirectory"
    ]
    assert removed["inDirectory"] is False
    restored = (await api.data(RESTORE, {"id": str(listing.id)}, token=clerk.token))[
        "restoreListingToDirectory"
    ]
    assert restored["__typename"] == "NotFound"
    assert not (await Listing.get(id=listing.id)).in_directory
