"""Composing a mail from its outbox row, just before it is sent."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models import profiles
from models.outbox import MailKind, OutboundEmail
from models.policies import PolicyVersion
from models.sharing import BookingInquiry
from models.testimonials import Testimonial
from models.tokens import LinkSigner
from privacy import testimonials, unsubscribe
from privacy.redaction import mask_email
from settings import Settings

templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


class MailObsolete(Exception):
    """What the mail was about is gone; it must not be sent."""


@dataclass
class Composed:
    to_address: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def message_id(row: OutboundEmail, settings: Settings) -> str:
    """Stable across retries, so a receiver can drop a mail it already has."""
    domain = urlsplit(settings.public_url).hostname or "backline.invalid"
    return f"<outbox.{row.id}.{int(row.created_at.timestamp())}@{domain}>"


def render(template: str, **context: Any) -> tuple[str, str]:
    return (
        templates.get_template(f"{template}.txt").render(**context),
        templates.get_template(f"{template}.html").render(**context),
    )


async def compose(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Composed:
    """`row` comes with its recipient, sender and promotion loaded."""
    base = {"public_url": settings.public_url, "unsubscribe_url": None}
    headers: dict[str, str] = {}
    recipient = row.recipient
    if row.kind == MailKind.REFERRAL:
        to_address = row.to_address or ""
        to = formataddr((row.to_name or "", to_address), charset="utf-8")
        subject = f"{row.sender.name} thinks you'd like Backline"
        context = {"friend_name": row.to_name, "sender_name": row.sender.name}
    else:
        # Mail about a change of address goes to the address concerned: the new one to
        # confirm it, the old one to be told it was replaced.
        to_address = row.to_address or recipient.email
        to = formataddr((recipient.name, to_address), charset="utf-8")
        context = {"name": recipient.name}
    if row.kind == MailKind.WELCOME:
        subject = "Welcome to Backline"
    elif row.kind == MailKind.NEW_INQUIRY:
        inquiry = await BookingInquiry.get(id=row.context["inquiry_id"]).select_related(
            "listing", "customer"
        )
        subject = f"New booking inquiry: {inquiry.listing.title}"
        context |= {
            "customer_name": inquiry.customer.name,
            "listing_title": inquiry.listing.title,
            "event_type": inquiry.event_type,
            "event_date": inquiry.event_date,
            "message": inquiry.message,
            "shared": row.context.get("shared", False),
        }
    elif row.kind == MailKind.PROMOTION:
        promotion = row.promotion
        token = unsubscribe.make_token(
            links, recipient.id, row.purpose
        )
        url = f"{settings.public_url}/unsubscribe/{token}"
        subject = promotion.subject
        context |= {"body": promotion.body, "partner": promotion.partner}
        base["unsubscribe_url"] = url
        headers = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    elif row.kind == MailKind.TESTIMONIAL_CONSENT:
        testimonial = await Testimonial.get(id=row.context["testimonial_id"])
        if testimonial.consent_nonce is None:
            raise MailObsolete("the testimonial was answered or removed before this was sent")
        token = testimonials.consent_token(links, testimonial)
        subject = "May we publish your testimonial?"
        context |= {
            "quote": testimonial.quote,
            "event_type": testimonial.event_type,
            "city": testimonial.city,
            "state": testimonial.state,
            "expires": testimonial.consent_expires_at.strftime("%d %B %Y"),
            "consent_url": f"{settings.public_url}/testimonials/consent/{token}",
        }
    elif row.kind == MailKind.EMAIL_CHANGE:
        if recipient.pending_email != row.to_address or not recipient.pending_email_nonce:
            raise MailObsolete("a newer change of address replaced this one")
        token = profiles.email_change_token(links, recipient)
        subject = "Confirm your new email address"
        context |= {
            "new_email": row.to_address,
            "confirm_url": f"{settings.public_url}/account/confirm-email/{token}",
        }
    elif row.kind == MailKind.EMAIL_CHANGED:
        subject = "Your Backline email address was changed"
        # The old address may no longer be the person's: whoever reads it learns only
        # enough for the owner to recognise the new one.
        context |= {
            "new_email": mask_email(recipient.email),
            "support_email": settings.support_email,
        }
    elif row.kind == MailKind.POLICY_NOTICE:
        policy = await PolicyVersion.get(id=row.context["policy_version_id"])
        subject = f"Our privacy policy changes on {policy.effective_at:%d %B %Y}"
        context |= {
            "version": policy.version,
            "summary": policy.summary,
            "effective": policy.effective_at.strftime("%d %B %Y"),
        }
    text, html = render(row.kind.value.lower(), subject=subject, **base, **context)
    return Composed(
        to_address=to_address, to=to, subject=subject, text=text, html=html, headers=headers
    )


# Long headers stay on one line (RFC 5322 allows 998 characters), so that a
# List-Unsubscribe URL is never split across lines.
UNFOLDED = compat32.clone(max_line_length=998, linesep="\r\n")


def as_bytes(composed: Composed, row: OutboundEmail, settings: Settings) -> bytes:
    """The classic MIME classes (policy compat32) are several times faster to build and
    flatten than EmailMessage, which matters at promotion volume."""
    message = MIMEMultipart("alternative")
    message["From"] = settings.mail_from
    message["To"] = composed.to
    message["Subject"] = Header(composed.subject, "utf-8").encode()
    message["Message-ID"] = message_id(row, settings)
    for name, value in composed.headers.items():
        message[name] = value
    message.attach(MIMEText(composed.text, "plain", "utf-8"))
    message.attach(MIMEText(composed.html, "html", "utf-8"))
    with io.BytesIO() as buffer:
        BytesGenerator(buffer, policy=UNFOLDED).flatten(message)
        return buffer.getvalue()
