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

from models.outbox import MailKind, OutboundEmail
from models.policies import PolicyVersion
from models.sharing import BookingInquiry
from models.testimonials import Testimonial
from models.tokens import LinkSigner
from privacy import testimonials, unsubscribe
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
    return Content(subject="Welcome to Backline")


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
    inquiry = await BookingInquiry.get(id=row.context["inquiry_id"]).select_related(
        "listing", "customer"
    )
    return Content(
        subject=f"New booking inquiry: {inquiry.listing.title}",
        variables={
            "customer_name": inquiry.customer.name,
            "listing_title": inquiry.listing.title,
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
