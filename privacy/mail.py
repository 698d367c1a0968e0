"""Which mail may go out: decided when it is queued, and again just before it is sent,
so that a consent withdrawn in between is honoured."""

from __future__ import annotations

from tortoise.expressions import Q

from models.accounts import Account, AccountStatus
from privacy import consent
from privacy.purposes import Purpose


def promotion_purpose(on_behalf_of_partner: str | None) -> Purpose:
    return Purpose.PARTNER_PROMOTIONS if on_behalf_of_partner else Purpose.PROMOTIONAL_EMAILS


def consenting(purpose: Purpose) -> Q:
    """Active accounts whose current choice allows `purpose` (a SQL condition)."""
    return Q(status=AccountStatus.ACTIVE, **{f"preferences__{purpose.preference_field}": True})


async def reason_not_to_deliver(recipient: Account | None, purpose: Purpose | None) -> str | None:
    """None when the mail may be sent now; otherwise why it must not be."""
    if recipient is None:
        return None
    if recipient.status != AccountStatus.ACTIVE:
        return "the account is closed"
    if purpose is not None and not await consent.allows(recipient.id, purpose):
        return f"consent to {purpose.value} was withdrawn"
    return None
