"""Which mail may go out: decided when it is queued, and again just before it is sent,
so that a consent withdrawn or an account closed in between is honoured; and which
rows forget their addressee once the mail is done."""

from __future__ import annotations

from tortoise.expressions import Q

from models.accounts import Account, AccountStatus
from models.outbox import MailKind, OutboundEmail
from models.purposes import Purpose
from models.sharing import BookingInquiry
from privacy import address_confirmation, consent
from privacy.inquiries import SeenInquiry, as_seen_by

# Mail that still goes out when the account it is about has closed: a privacy request is
# owed its acknowledgement and its answer until the account is erased (staff may file
# one for a cancelled account, received by mail, phone or post).
TO_CLOSED_ACCOUNTS: frozenset[MailKind] = frozenset(
    {MailKind.PRIVACY_REQUEST_RECEIVED, MailKind.PRIVACY_REQUEST_CLOSED}
)

# Mail whose addressee's details are kept only until the mail is done (sent, dropped or
# finally failed): a friend's name and address (email a friend: "the friend's data is not
# stored"), the address a person replaced (the notice of the change), and the nonce of a
# password reset link (privacy/password_reset.py).
ERASED_WHEN_DONE: frozenset[MailKind] = frozenset(
    {MailKind.REFERRAL, MailKind.EMAIL_CHANGED, MailKind.PASSWORD_RESET}
)


def promotion_purpose(on_behalf_of_partner: str | None) -> Purpose:
    return Purpose.PARTNER_PROMOTIONS if on_behalf_of_partner else Purpose.PROMOTIONAL_EMAILS


def consenting(purpose: Purpose) -> Q:
    """Active accounts whose current choice allows `purpose`, and whose address is
    confirmed where the purpose needs it (a SQL condition)."""
    condition = Q(status=AccountStatus.ACTIVE) & consent.granted(purpose)
    if address_confirmation.needs_confirmed_address(purpose):
        condition &= address_confirmation.confirmed()
    return condition


def erased_when_done(kind: MailKind) -> bool:
    """Whether the worker must erase the row's address, name and context once the mail
    is done, whatever the outcome."""
    return kind in ERASED_WHEN_DONE


async def reason_not_to_deliver(row: OutboundEmail) -> str | None:
    """None when the mail may be sent now; otherwise why it must not be. `row` comes with
    its recipient and sender loaded."""
    recipient = row.recipient
    if row.kind not in TO_CLOSED_ACCOUNTS:
        if recipient is not None and recipient.status != AccountStatus.ACTIVE:
            return "the account is closed"
        if not await _cause_is_active(row):
            # "No longer use my information" covers mail that carries it to others: a
            # referral in the sender's name, an inquiry notice quoting the customer.
            return "the person whose action caused it closed their account"
    if (
        recipient is not None
        and row.purpose is not None
        and not await consent.allows(recipient.id, row.purpose)
    ):
        return f"consent to {row.purpose.value} was withdrawn"
    if (
        recipient is not None
        and address_confirmation.needs_confirmed_address(row.purpose)
        and not address_confirmation.is_confirmed(recipient)
    ):
        return "the address is not confirmed"
    return None


async def _cause_is_active(row: OutboundEmail) -> bool:
    sender: Account | None = row.sender
    if sender is not None and sender.status != AccountStatus.ACTIVE:
        return False
    if row.kind == MailKind.NEW_INQUIRY:
        return await inquiry_to_mail(row) is not None
    return True


async def inquiry_to_mail(row: OutboundEmail) -> SeenInquiry | None:
    """The inquiry a NEW_INQUIRY mail tells of, as its recipient may see it; None when
    it must not be mailed: gone (with its author's erased account), not theirs to
    read, or withdrawn (its author closed their account: the notice would quote them)."""
    inquiry = (
        await BookingInquiry.filter(id=row.context.get("inquiry_id"))
        .select_related("customer")
        .first()
    )
    seen = as_seen_by(inquiry, row.recipient_id) if inquiry is not None else None
    return seen if seen is not None and not seen.withdrawn else None
