"""Testimonials need their author's consent, given by email, to show their full name,
event type, city, state and quote; they come down again on request.

The consent link carries a signed token naming the testimonial and a one-time nonce
kept on it: answering clears the nonce, so a token works once, for that testimonial
only, until it expires. Nothing (staff included) publishes a testimonial otherwise.
The use cases (submit, answer, remove) are in services/testimonials.py; the rules they
follow are here, where the mail composer (mailers/, below services/) can reach them too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import Q

from errors import InvalidTokenError
from models.accounts import Account, AccountStatus, Role
from models.testimonials import Testimonial, TestimonialStatus
from models.tokens import LinkSigner
from privacy.contact_details import DEFAULT_REGION, public_name

# How long a consent link stays valid.
CONSENT_DAYS = 30


def publicly_visible() -> Q:
    """Published, and its author's account still active: cancelling takes every
    testimonial of the person out of public view in the same moment."""
    return Q(status=TestimonialStatus.PUBLISHED, author__status=AccountStatus.ACTIVE)


def shown_name(
    testimonial: Testimonial, author_name: str | None = None, region: str = DEFAULT_REGION
) -> str:
    """The name a testimonial shows: once published, the name exactly as its author
    agreed to show it (a later change of name does not reach it), without any contact
    detail (one published before names were checked may hold one). Before that only the
    author sees a name, their own: pass `author_name` for the author's own view only;
    the public view passes nothing and shows no name."""
    if testimonial.published_name:
        return public_name(testimonial.published_name, region)
    return author_name or ""


def may_give(author: Account) -> bool:
    """Only customers (who booked through Backline) give testimonials."""
    return author.role == Role.CUSTOMER


def may_remove(account: Account, testimonial: Testimonial) -> bool:
    """The author, or staff acting on a request received by email or phone."""
    return account.role == Role.STAFF or testimonial.author_id == account.id


def consent_token(links: LinkSigner, testimonial: Testimonial) -> str:
    return links.sign("testimonial-consent", [testimonial.id, testimonial.consent_nonce])


async def pending(links: LinkSigner, token: str) -> Testimonial:
    """The testimonial a consent token still opens, with its author. A forged, reused or
    expired token, or one for another testimonial, is InvalidToken."""
    testimonial_id, nonce = links.unsign("testimonial-consent", token, 2)
    if not isinstance(testimonial_id, int) or not isinstance(nonce, str):
        raise InvalidTokenError()
    testimonial = await Testimonial.get_or_none(
        id=testimonial_id,
        consent_nonce=nonce,
        status=TestimonialStatus.AWAITING_CONSENT,
        consent_expires_at__gt=datetime.now(UTC),
        author__status=AccountStatus.ACTIVE,
    ).select_related("author")
    if testimonial is None or not nonce:
        raise InvalidTokenError()
    return testimonial
