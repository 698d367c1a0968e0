"""Listings: reading the public directory, and a performer's changes to their own
listings (staff may only take one out of the directory, on request)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from models import directory as queries
from models import validation
from models.accounts import Account
from models.audit import AuditAction, AuditEvent
from models.listings import CATEGORIES, MAX_PLACE_LENGTH, Listing
from models.pagination import Page
from privacy import directory
from privacy.contact_details import DEFAULT_REGION, ensure_none


@dataclass(frozen=True)
class ListingFields:
    title: str
    category: str
    city: str
    state: str
    description: str

    def validated(self, phone_region: str = DEFAULT_REGION) -> dict[str, str]:
        """Every field is public (the directory): one holding a contact detail is refused,
        not edited, since the performer publishes exactly what they wrote."""
        if self.category not in CATEGORIES:
            raise InvalidInput("category", "Choose one of the directory's categories.")
        values = {
            "title": validation.text(self.title, "title", max_length=120),
            "city": validation.text(self.city, "city", max_length=MAX_PLACE_LENGTH),
            "state": validation.text(self.state, "state", max_length=MAX_PLACE_LENGTH),
            "description": validation.text(
                self.description, "description", max_length=5000, required=False, multiline=True
            ),
        }
        public = {field: ensure_none(value, field, phone_region) for field, value in values.items()}
        return public | {"category": self.category}


async def directory_page(
    *,
    category: str | None,
    city: str | None,
    state: str | None,
    first: int,
    after: str | None,
    maximum: int,
) -> Page[Listing]:
    """The public directory: listings in it of active accounts only."""
    return await queries.directory_page(
        directory.publicly_visible(),
        category=category,
        city=city,
        state=state,
        first=first,
        after=after,
        maximum=maximum,
    )


async def public_listing(listing_id: str) -> Listing | None:
    """One listing, if the directory shows it; None tells nothing about the others."""
    return await queries.public_listing(listing_id, directory.publicly_visible())


async def create_listing(
    owner: Account, fields: ListingFields, *, phone_region: str = DEFAULT_REGION
) -> Listing:
    directory.ensure_may_list(owner)
    return await Listing.create(owner_id=owner.id, **fields.validated(phone_region))


async def _listing_for_change(listing_id: str) -> tuple[Listing, bool]:
    listing = await queries.listing_with_owner(listing_id)
    if listing is None:
        raise NotFoundError("No such listing.")
    return listing, directory.is_publicly_visible(listing, listing.owner)


async def update_listing(
    account: Account,
    listing_id: str,
    fields: ListingFields,
    *,
    phone_region: str = DEFAULT_REGION,
) -> Listing:
    listing, visible = await _listing_for_change(listing_id)
    directory.ensure_may_edit(account, listing, visible=visible)
    changes = fields.validated(phone_region)
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
