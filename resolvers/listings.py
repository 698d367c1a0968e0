"""The public directory and a performer's own listings."""

from __future__ import annotations

import strawberry

from models.listings import CATEGORIES
from schema.context import Info
from schema.listings import Listing, ListingConnection, ListingInput, ListingResult
from services import listings as service


def _fields(input: ListingInput) -> service.ListingFields:
    return service.ListingFields(
        title=input.title,
        category=input.category,
        city=input.city,
        state=input.state,
        description=input.description,
    )


async def listings(
    info: Info,
    category: str | None = None,
    city: str | None = None,
    state: str | None = None,
    first: int = 20,
    after: str | None = None,
) -> ListingConnection:
    """The public directory: listings in the directory of active accounts only."""
    page = await service.directory_page(
        category=category,
        city=city,
        state=state,
        first=first,
        after=after,
        maximum=info.context.settings.max_page_size,
    )
    return ListingConnection.of(page, Listing.from_row)


async def listing(id: strawberry.ID) -> Listing | None:
    row = await service.public_listing(id)
    return Listing.from_row(row) if row else None


def categories() -> list[str]:
    """The directory's categories (a fixed list), for search forms and listing editors."""
    return list(CATEGORIES)


async def create_listing(info: Info, input: ListingInput) -> ListingResult:
    account = info.context.viewer.require_account()
    region = info.context.settings.default_phone_region
    return Listing.from_row(
        await service.create_listing(account, _fields(input), phone_region=region)
    )


async def update_listing(info: Info, id: strawberry.ID, input: ListingInput) -> ListingResult:
    account = info.context.viewer.require_account()
    region = info.context.settings.default_phone_region
    return Listing.from_row(
        await service.update_listing(account, id, _fields(input), phone_region=region)
    )


async def remove_listing_from_directory(info: Info, id: strawberry.ID) -> ListingResult:
    account = info.context.viewer.require_account()
    return Listing.from_row(await service.remove_from_directory(account, id))


async def restore_listing_to_directory(info: Info, id: strawberry.ID) -> ListingResult:
    account = info.context.viewer.require_account()
    return Listing.from_row(await service.restore_to_directory(account, id))
