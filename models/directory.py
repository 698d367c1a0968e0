"""Listings: the public directory's queries. What "public" means is a rule of
privacy/directory.py, passed in as a SQL predicate (`visible`), so it stays in the
statement and tables never depend on the rules about them."""

from __future__ import annotations

from tortoise.expressions import Q

from models.ids import parse_id
from models.listings import CATEGORIES, MAX_PLACE_LENGTH, Listing
from models.pagination import Page, keyset_page

LISTING_CURSOR = "listing"


async def directory_page(
    visible: Q,
    *,
    category: str | None,
    city: str | None,
    state: str | None,
    first: int,
    after: str | None,
    maximum: int,
) -> Page[Listing]:
    unmatchable = (category and category not in CATEGORIES) or any(
        len(value) > MAX_PLACE_LENGTH for value in (city or "", state or "")
    )
    if unmatchable:
        # No listing can match; nothing is asked of the database.
        return await keyset_page(
            None, kind=LISTING_CURSOR, first=first, after=after, maximum=maximum
        )
    query = Listing.filter(visible)
    if category:
        query = query.filter(category=category)
    if city:
        query = query.filter(city__iexact=city.strip())
    if state:
        query = query.filter(state__iexact=state.strip())
    return await keyset_page(query, kind=LISTING_CURSOR, first=first, after=after, maximum=maximum)


async def public_listing(listing_id: str, visible: Q) -> Listing | None:
    key = parse_id(listing_id)
    if key is None:
        return None
    return await Listing.filter(visible, id=key).first()


async def listing_with_owner(listing_id: str) -> Listing | None:
    """Any listing, in the directory or not, with its owner: for the owner's changes."""
    key = parse_id(listing_id)
    return await Listing.get_or_none(id=key).select_related("owner") if key else None
