"""Contact sharing: "your contact information could eventually be shared with
potential bands/event organizers who are interested in hiring you".

Sharing happens only through a booking inquiry, only where the owner of the details
has CONTACT_SHARING, and stops the moment that stops. A grant is in force while it
is not revoked, its owner still consents, and its owner's account is active; the
test is a SQL condition (`in_force`), so pages and cursors never count hidden rows.
"""

from __future__ import annotations

from tortoise.expressions import Q

from errors import ConsentRequiredError, InvalidInput, NotAuthorizedError
from models.accounts import Account, AccountStatus, Role
from models.audit import AccessMethod, AuditAction, AuditEvent
from models.listings import Listing
from models.purposes import Purpose
from models.sharing import BookingInquiry, ContactGrant
from privacy import consent
from privacy.viewer import Viewer


def in_force() -> Q:
    owner_consents = consent.granted(Purpose.CONTACT_SHARING, through="owner__")
    return Q(revoked_at=None, owner__status=AccountStatus.ACTIVE) & owner_consents


def ensure_may_inquire(account: Account) -> None:
    """Customers and performers hire each other; staff accounts do not book."""
    if account.role == Role.STAFF:
        raise NotAuthorizedError("Staff accounts cannot send booking inquiries.")


async def ensure_inquirer_shares(customer: Account) -> None:
    """A performer cannot answer an inquiry it cannot reply to: asking requires
    sharing one's own contact details."""
    if not await consent.allows(customer.id, Purpose.CONTACT_SHARING):
        raise ConsentRequiredError(
            Purpose.CONTACT_SHARING,
            "Sending an inquiry shares your contact details with the performer: "
            "turn on contact sharing first.",
        )


def ensure_not_own_listing(customer: Account, listing: Listing) -> None:
    if listing.owner_id == customer.id:
        raise InvalidInput("listingId", "You cannot send an inquiry about your own listing.")


async def grants_due(
    inquiry: BookingInquiry, customer: Account, performer: Account
) -> list[ContactGrant]:
    """The grants an inquiry creates: each side's details go to the other only where
    that side consents. Unsaved: services/inquiries.py stores them with the inquiry."""
    return [
        ContactGrant(owner_id=owner.id, recipient_id=recipient.id, inquiry_id=inquiry.id)
        for owner, recipient in ((customer, performer), (performer, customer))
        if await consent.allows(owner.id, Purpose.CONTACT_SHARING)
    ]


def reads_to_audit(viewer: Viewer, grants: list[ContactGrant]) -> list[AuditEvent]:
    """Every read of another person's contact details is written to the audit log: one
    event per grant read, saying who read whose details and through which door. Unsaved:
    services/sharing.py writes them."""
    if not grants or viewer.account is None:
        return []
    via = AccessMethod.API_KEY if viewer.api_key_id else AccessMethod.SESSION
    return [
        AuditEvent(
            action=AuditAction.CONTACT_READ,
            actor_id=viewer.account.id,
            subject_id=grant.owner_id,
            via=via,
            api_key_id=viewer.api_key_id,
            grant_id=grant.id,
            detail={"inquiry_id": grant.inquiry_id},
        )
        for grant in grants
    ]
