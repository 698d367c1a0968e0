"""What each kind of mail says: one small function per MailKind, registered in KINDS.

Adding a kind is adding its function here (decorated with `@kind(MailKind.X)`) and its
two templates, templates/x.txt and templates/x.html. A function gets the outbox row
(with its recipient, sender and promotion loaded) and returns the subject and the
template's variables; mailers/compose.py does the addressing, the rendering and the MIME.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from models import access
from models.accounts import Account
from models.listings import Listing
from models.outbox import MailKind, OutboundEmail
from models.policies import PolicyVersion
from models.privacy_requests import PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus
from models.testimonials import Testimonial
from models.tokens import LinkSigner
from models.webhooks import WebhookEndpoint
from privacy import (
    account_access,
    mail,
    password_reset,
    testimonials,
    unsubscribe,
)
from privacy.address_confirmation import confirmation_token, is_confirmed
from privacy.email_change import email_change_token
from privacy.redaction import mask_email
from settings import Settings


class MailObsolete(Exception):
    """What the mail was about is gone; it must not be sent."""


@dataclass
class Content:
    subject: str
    variables: dict[str, Any] = field(default_factory=dict)
    # (name, address) for mail to someone without an account; None: the recipient's
    # account, greeted by its name (see compose.compose).
    to: tuple[str, str] | None = None
    unsubscribe_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


Writer = Callable[[OutboundEmail, Settings, LinkSigner], Awaitable[Content]]
KINDS: dict[MailKind, Writer] = {}


def kind(mail_kind: MailKind) -> Callable[[Writer], Writer]:
    def register(writer: Writer) -> Writer:
        KINDS[mail_kind] = writer
        return writer

    return register


@kind(MailKind.WELCOME)
async def welcome(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    # The welcome carries the first confirmation link: one mail at registration, not two.
    return Content(
        subject="Welcome to Backline",
        variables={"confirm_url": _address_confirmation_url(row.recipient, settings, links)},
    )


@kind(MailKind.ADDRESS_CONFIRMATION)
async def address_confirmation(
    row: OutboundEmail, settings: Settings, links: LinkSigner
) -> Content:
    confirm_url = _address_confirmation_url(row.recipient, settings, links)
    if confirm_url is None:
        raise MailObsolete("the address was confirmed before this was sent")
    return Content(subject="Confirm your email address", variables={"confirm_url": confirm_url})


def _address_confirmation_url(
    recipient: Account, settings: Settings, links: LinkSigner
) -> str | None:
    """A link to confirm the recipient's address; None once it is confirmed."""
    if is_confirmed(recipient) or not recipient.email_confirmation_nonce:
        return None
    token = confirmation_token(links, recipient)
    return f"{settings.public_url}/account/confirm-address/{token}"


@kind(MailKind.PASSWORD_RESET)
async def password_reset_link(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    nonce, expires = row.context["nonce"], row.context["expires"]
    if not password_reset.is_current(row.recipient, nonce):
        raise MailObsolete("a newer request or a change of password replaced this link")
    if password_reset.has_expired(expires):
        raise MailObsolete("the link expired before it could be sent")
    token = password_reset.reset_token(links, row.recipient.id, nonce, expires)
    return Content(
        subject="Reset your Backline password",
        variables={
            "reset_url": f"{settings.public_url}/account/reset-password/{token}",
            "minutes": password_reset.minutes_left(expires),
            "support_email": settings.support_email,
        },
    )


@kind(MailKind.REFERRAL)
async def referral(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    # The friend has no account: the row holds their name and address until it is done.
    return Content(
        subject=f"{row.sender.name} thinks you'd like Backline",
        variables={"friend_name": row.to_name, "sender_name": row.sender.name},
        to=(row.to_name or "", row.to_address or ""),
    )


@kind(MailKind.NEW_INQUIRY)
async def new_inquiry(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    inquiry = await mail.inquiry_to_mail(row)
    if inquiry is None:
        raise MailObsolete("the inquiry is no longer the performer's to read")
    listing = await Listing.get(id=inquiry.listing_id)
    return Content(
        subject=f"New booking inquiry: {listing.title}",
        variables={
            "customer_name": inquiry.asked_by,
            "listing_title": listing.title,
            "event_type": inquiry.event_type,
            "event_date": inquiry.event_date,
            "message": inquiry.message,
            "shared": row.context.get("shared", False),
        },
    )


@kind(MailKind.PROMOTION)
async def promotion(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    # Every promotion can be left in one click (RFC 8058), for the purpose it was sent under.
    token = unsubscribe.make_token(links, row.recipient.id, row.purpose)
    url = f"{settings.public_url}/unsubscribe/{token}"
    return Content(
        subject=row.promotion.subject,
        variables={"body": row.promotion.body, "partner": row.promotion.partner},
        unsubscribe_url=url,
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@kind(MailKind.TESTIMONIAL_CONSENT)
async def testimonial_consent(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    testimonial = await Testimonial.get(id=row.context["testimonial_id"])
    if testimonial.consent_nonce is None:
        raise MailObsolete("the testimonial was answered or removed before this was sent")
    token = testimonials.consent_token(links, testimonial)
    return Content(
        subject="May we publish your testimonial?",
        variables={
            "quote": testimonial.quote,
            "event_type": testimonial.event_type,
            "city": testimonial.city,
            "state": testimonial.state,
            "expires": testimonial.consent_expires_at.strftime("%d %B %Y"),
            "consent_url": f"{settings.public_url}/testimonials/consent/{token}",
        },
    )


@kind(MailKind.EMAIL_CHANGE)
async def email_change(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    # Goes to the new address (row.to_address), to prove it is the person's.
    recipient = row.recipient
    if recipient.pending_email != row.to_address or not recipient.pending_email_nonce:
        raise MailObsolete("a newer change of address replaced this one")
    token = email_change_token(links, recipient)
    return Content(
        subject="Confirm your new email address",
        variables={
            "new_email": row.to_address,
            "confirm_url": f"{settings.public_url}/account/confirm-email/{token}",
        },
    )


@kind(MailKind.EMAIL_CHANGED)
async def email_changed(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    # Goes to the old address, which may no longer be the person's: whoever reads it
    # learns only enough for the owner to recognise the new one.
    return Content(
        subject="Your Backline email address was changed",
        variables={
            "new_email": mask_email(row.recipient.email),
            "support_email": settings.support_email,
        },
    )


# What each kind of privacy request is called in the mail about it.
REQUEST_KINDS = {
    PrivacyRequestKind.ACCESS: "access to your data",
    PrivacyRequestKind.CORRECTION: "correction of your data",
    PrivacyRequestKind.DELETION: "deletion of your data",
    PrivacyRequestKind.OBJECTION: "objection to a use of your data",
    PrivacyRequestKind.QUESTION: "question about your data",
}


async def _privacy_request(row: OutboundEmail) -> PrivacyRequest:
    request = await PrivacyRequest.get_or_none(id=row.context.get("privacy_request_id"))
    if request is None:
        raise MailObsolete("the privacy request was erased before this was sent")
    return request


@kind(MailKind.PRIVACY_REQUEST_RECEIVED)
async def privacy_request_received(
    row: OutboundEmail, settings: Settings, links: LinkSigner
) -> Content:
    request = await _privacy_request(row)
    return Content(
        subject=f"We received your privacy request {request.reference}",
        variables={
            "reference": request.reference,
            "kind": REQUEST_KINDS[request.kind],
            "received": request.received_at.strftime("%d %B %Y"),
            "due": request.due_at.strftime("%d %B %Y"),
            "privacy_email": settings.privacy_email,
        },
    )


@kind(MailKind.PRIVACY_REQUEST_CLOSED)
async def privacy_request_closed(
    row: OutboundEmail, settings: Settings, links: LinkSigner
) -> Content:
    request = await _privacy_request(row)
    resolved = request.status == PrivacyRequestStatus.RESOLVED
    return Content(
        subject=f"Your privacy request {request.reference} was "
        + ("answered" if resolved else "declined"),
        variables={
            "reference": request.reference,
            "kind": REQUEST_KINDS[request.kind],
            "resolved": resolved,
            "reason": request.reason,
            "privacy_email": settings.privacy_email,
        },
    )


@kind(MailKind.WEBHOOK_DISABLED)
async def webhook_disabled(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    endpoint = (
        await WebhookEndpoint.filter(id=row.context.get("webhook_endpoint_id"))
        .select_related("api_key")
        .first()
    )
    if endpoint is None or endpoint.disabled_at is None:
        raise MailObsolete("the endpoint was deleted or turned back on before this was sent")
    return Content(
        subject="Your Backline webhook endpoint was turned off",
        variables={
            "url": endpoint.url,
            "key_name": endpoint.api_key.name,
            "reason": endpoint.disabled_reason,
        },
    )


# Of each kind of access, the notice lists this many and says how many more there are.
ACCESS_LISTED = 20


@kind(MailKind.PASSWORD_CHANGED)
async def password_changed(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    # Composed at send time: it lists what can reach the account as the mail goes out.
    still_open = await access.still_open(row.recipient.id, limit=ACCESS_LISTED)
    return Content(
        subject="Your Backline password was changed",
        variables={
            "changed": row.created_at.strftime("%d %B %Y at %H:%M UTC"),
            "reset": bool(row.context.get("reset")),
            "access": account_access.shown(still_open, row.context.get("session_id")),
            "support_email": settings.support_email,
        },
    )


@kind(MailKind.POLICY_NOTICE)
async def policy_notice(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Content:
    policy = await PolicyVersion.get(id=row.context["policy_version_id"])
    return Content(
        subject=f"Our privacy policy changes on {policy.effective_at:%d %B %Y}",
        variables={
            "version": policy.version,
            "summary": policy.summary,
            "effective": policy.effective_at.strftime("%d %B %Y"),
        },
    )
