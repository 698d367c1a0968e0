"""Testimonials need their author's consent, given by email, to show their full name,
event type, city, state and quote; they come down again on request.

The consent link carries a signed token naming the testimonial and a one-time nonce
kept on it: answering clears the nonce, so a token works once, for that testimonial
only, until it expires. Nothing (staff included) publishes a testimonial otherwise.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from errors import InvalidTokenError, NotAuthorizedError, NotFoundError
from mailers.enqueue import enqueue_testimonial_consent
from models import validation
from models.accounts import Account, AccountStatus, Role
from models.audit import AuditAction, AuditEvent
from models.testimonials import Testimonial, TestimonialStatus
from models.tokens import LinkSigner

CONSENT_DAYS = 30


@dataclass(frozen=True)
class TestimonialFields:
    quote: str
    event_type: str
    city: str
    state: str

    def validated(self) -> dict[str, str]:
        return {
            "quote": validation.text(
                self.quote, "quote", max_length=2000, multiline=True
            ),
            "event_type": validation.text(self.event_type, "eventType", max_length=100),
            "city": validation.text(self.city, "city", max_length=100),
            "state": validation.text(self.state, "state", max_length=100),
        }


def publicly_visible() -> Q:
    """Published, and its author's account still active: cancelling takes every
    testimonial of the person out of public view in the same moment."""
    return Q(status=TestimonialStatus.PUBLISHED, author__status=AccountStatus.ACTIVE)


def consent_token(links: LinkSigner, testimonial: Testimonial) -> str:
    return links.sign("testimonial-consent", [testimonial.id, testimonial.consent_nonce])


async def submit(author: Account, fields: TestimonialFields) -> Testimonial:
    if author.role != Role.CUSTOMER:
        raise NotAuthorizedError("Only customers who booked through Backline give testimonials.")
    values = fields.validated()
    async with in_transaction():
        testimonial = await Testimonial.create(
            author_id=author.id,
            consent_nonce=secrets.token_hex(16),
            consent_expires_at=datetime.now(UTC) + timedelta(days=CONSENT_DAYS),
            **values,
        )
        await enqueue_testimonial_consent(testimonial)
    return testimonial


async def pending(links: LinkSigner, token: str) -> Testimonial:
    """The testimonial a consent token still opens. A forged, reused or expired token,
    or one for another testimonial, is InvalidToken."""
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


async def respond(links: LinkSigner, token: str, approve: bool) -> Testimonial:
    """The author's answer from the consent mail; the token works once."""
    async with in_transaction():
        testimonial = await pending(links, token)
        # Guards a race between two answers: only one clears the nonce.
        answered = await Testimonial.filter(
            id=testimonial.id, consent_nonce=testimonial.consent_nonce
        ).update(consent_nonce=None)
        if not answered:
            raise InvalidTokenError()
        testimonial.consent_nonce = None
        testimonial.responded_at = datetime.now(UTC)
        if approve:
            testimonial.status = TestimonialStatus.PUBLISHED
            testimonial.published_name = testimonial.author.name
        else:
            testimonial.status = TestimonialStatus.DECLINED
        await testimonial.save()
    return testimonial


async def remove(account: Account, testimonial_id: int | None) -> Testimonial:
    """By the author, or by staff acting on a request received by email or phone
    (recorded in the audit log)."""
    testimonial = await Testimonial.get_or_none(id=testimonial_id) if testimonial_id else None
    is_staff = account.role == Role.STAFF
    if testimonial is None or not (is_staff or testimonial.author_id == account.id):
        raise NotFoundError("No such testimonial of yours.")
    if testimonial.status == TestimonialStatus.REMOVED:
        return testimonial
    async with in_transaction():
        testimonial.status = TestimonialStatus.REMOVED
        testimonial.removed_at = datetime.now(UTC)
        testimonial.consent_nonce = None
        await testimonial.save()
        if is_staff:
            await AuditEvent.create(
                action=AuditAction.TESTIMONIAL_REMOVED_BY_STAFF,
                actor_id=account.id,
                subject_id=testimonial.author_id,
                detail={"testimonial_id": testimonial.id},
            )
    return testimonial
