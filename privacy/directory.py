"""Who appears in the public directory, and who may change a listing.

The directory shows a listing only while its owner keeps it there and the owner's
account is active: removal by the owner or by staff, and cancellation, take effect
in the very next query.
"""

from __future__ import annotations

from tortoise.expressions import Q

from errors import NotAuthorizedError, NotFoundError
from models.accounts import Account, AccountStatus, Role
from models.listings import Listing


def publicly_visible() -> Q:
    return Q(in_directory=True, owner__status=AccountStatus.ACTIVE)


def is_publicly_visible(listing: Listing, owner: Account) -> bool:
    return listing.in_directory and owner.status == AccountStatus.ACTIVE


def ensure_may_list(account: Account) -> None:
    if account.role != Role.PERFORMER:
        raise NotAuthorizedError("Only performers can list in the directory.")


def ensure_may_edit(account: Account, listing: Listing, *, visible: bool) -> None:
    """Only the owner edits or restores a listing. Someone else learns that a listing
    exists only when the directory shows it anyway."""
    if listing.owner_id != account.id:
        raise NotAuthorizedError("This listing is not yours.") if visible else NotFoundError()


def ensure_may_remove(account: Account, listing: Listing, *, visible: bool) -> None:
    """The owner, or staff acting on a "Removal From Directory" request."""
    if account.role == Role.STAFF:
        return
    ensure_may_edit(account, listing, visible=visible)
