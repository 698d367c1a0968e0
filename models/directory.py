"""Listings: the public directory's queries and the owner's changes."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from models import validation
from models.accounts import Account
from models.audit import AuditAction, AuditEvent
from models.ids import parse_id
from models.listings import CATEGORIES, Listing
from models.pagination import Page, keyset_page
from privacy import directory

LISTING_CURSOR = "listing"
MAX_PLACE_LENGTH = 100


@dataclass(frozen=True)
class ListingFields:
    title: str
    category: str
    city: str
    state: str
    description: str

    def validated(self) -> dict[str, str]:
        if self.category not in CATEGORIES:
            raise InvalidInput("category", "Choose one of the directory's categories.")
        return {
            "title": validation.text(self.title, "title", max_length=120),
            "category": self.category,
            "city": validation.text(self.city, "city", max_length=MAX_PLACE_LENGTH),
            "state": validation.text(self.state, "state", max_length=MAX_PLACE_LENGTH),
            "description": validation.text(
                self.description, "description", max_length=5000, required=False, multiline=True
            ),
        }


async def directory_page(
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
    query = Listing.filter(directory.publicly_visible())
    if category:
        query = query.filter(category=category)
    if city:
        query = query.filter(city__iexact=city.strip())
    if state:
        query = query.filter(state__iexact=state.strip())
    return await keyset_page(query, kind=LISTING_CURSOR, first=first, after=after, maximum=maximum)


async def public_listing(listing_id: str) -> Listing | None:
    key = parse_id(listing_id)
    if key is None:
        return None
    return await Listing.filter(directory.publicly_visible(), id=key).first()


async def create_listing(owner: Account, fields: ListingFields) -> Listing:
    directory.ensure_may_list(owner)
    return await Listing.create(owner_id=owner.id, **fields.validated())


async def _listing_for_change(listing_id: str) -> tuple[Listing, bool]:
    key = parse_id(listing_id)
    listing = await Listing.get_or_none(id=key).select_related("owner") if key else None
    if listing is None:
        raise NotFoundError("No such listing.")
    return listing, directory.is_publicly_visible(listing, listing.owner)


async def update_listing(account: Account, listing_id: str, fields: ListingFields) -> Listing:
    listing, visible = await _listing_for_change(listing_id)
    directory.ensure_may_edit(account, listing, visible=visible)
    changes = fields.validated()
    listing.update_from_dict(changes)
    await listing.save(update_fields=[*changes, "updated_at"])
    return listing


async def remove_from_directory(account: Account, listing_id: str) -> Listing:
    listing, visible = await _listing_for_change(listing_id)
    directory.ensure_may_remove(account, listing, visible=visible)
    async with in_transaction():
        if listing.owner_id != account.id:
            # Staff acting on a "Removal From Directory" request: the log says who.
            await AuditEvent.create(
                action=AuditAction.LISTING_REMOVED_BY_STAFF,
                actor_id=account.id,
                subject_id=listing.owner_id,
                detail={"listing_id": listing.id},
            )
        return await _set_in_directory(listing, False)


async def restore_to_directory(account: Account, listing_id: str) -> Listing:
    listing, visible = await _listing_for_change(listing_id)
    directory.ensure_may_edit(account, listing, visible=visible)
    return await _set_in_directory(listing, True)


async def _set_in_directory(listing: Listing, in_directory: bool) -> Listing:
    listing.in_directory = in_directory
    await listing.save(update_fields=["in_directory", "updated_at"])
    return listing
