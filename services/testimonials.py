"""Testimonials: submitting one (which mails its author a consent link), the author's
answer to that mail, removal on request, and the public list. Who may do what, and
what a consent token opens, are rules of privacy/testimonials.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from errors import InvalidTokenError, NotAuthorizedError, NotFoundError
from mailers.enqueue import enqueue_testimonial_consent
from models import validation
from models.accounts import Account, Role
from models.audit import AuditAction, AuditEvent
from models.pagination import Page
from models.testimonials import Testimonial, TestimonialStatus, published_page
from models.tokens import LinkSigner
from privacy import testimonials as rules
from privacy.contact_details import DEFAULT_REGION, ensure_none, public_name


@dataclass(frozen=True)
class TestimonialFields:
    quote: str
    event_type: str
    city: str
    state: str

    def validated(self, phone_region: str = DEFAULT_REGION) -> dict[str, str]:
        """Everything here is public once the author consents: one field holding a
        contact detail is refused, not edited, since the author consents to publishing
        exactly what they wrote (and the consent mail shows)."""
        checked = {
            ("quote", "quote"): validation.text(
                self.quote, "quote", max_length=2000, multiline=True
            ),
            ("event_type", "eventType"): validation.text(
                self.event_type, "eventType", max_length=100
            ),
            ("city", "city"): validation.text(self.city, "city", max_length=100),
            ("state", "state"): validation.text(self.state, "state", max_length=100),
        }
        return {
            column: ensure_none(value, field, phone_region)
            for (column, field), value in checked.items()
        }


async def published(*, first: int, after: str | None, maximum: int) -> Page[Testimonial]:
    """What the public sees: publicly visible testimonials only, newest first."""
    return await published_page(rules.publicly_visible(), first=first, after=after, maximum=maximum)


async def submit(
    author: Account, fields: TestimonialFields, *, phone_region: str = DEFAULT_REGION
) -> Testimonial:
    """Stored AWAITING_CONSENT, with the consent mail queued in the same transaction:
    nothing is public until the author approves from that mail."""
    if not rules.may_give(author):
        raise NotAuthorizedError("Only customers who booked through Backline give testimonials.")
    values = fields.validated(phone_region)
    async with in_transaction():
        testimonial = await Testimonial.create(
            author_id=author.id,
            consent_nonce=secrets.token_hex(16),
            consent_expires_at=datetime.now(UTC) + timedelta(days=rules.CONSENT_DAYS),
            **values,
        )
        await enqueue_testimonial_consent(testimonial)
    return testimonial


async def respond(
    links: LinkSigner, token: str, approve: bool, *, phone_region: str = DEFAULT_REGION
) -> Testimonial:
    """The author's answer from the consent mail; the token works once. Returns the
    testimonial with its author."""
    async with in_transaction():
        testimonial = await rules.pending(links, token)
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
            # The name is snapshotted as consented to: a later rename does not reach it.
            # (A name given before names were checked loses any contact detail in it.)
            testimonial.published_name = public_name(testimonial.author.name, phone_region)
        else:
            testimonial.status = TestimonialStatus.DECLINED
        await testimonial.save()
    return testimonial


async def remove(account: Account, testimonial_id: int | None) -> Testimonial:
    """By the author, or by staff acting on a request received by email or phone
    (recorded in the audit log). Returns the testimonial with its author."""
    testimonial = await Testimonial.get_or_none(id=testimonial_id) if testimonial_id else None
    # Someone else's testimonial answers as a missing one: its existence is not theirs.
    if testimonial is None or not rules.may_remove(account, testimonial):
        raise NotFoundError("No such testimonial of yours.")
    if testimonial.status != TestimonialStatus.REMOVED:
        async with in_transaction():
            testimonial.status = TestimonialStatus.REMOVED
            testimonial.removed_at = datetime.now(UTC)
            testimonial.consent_nonce = None
            await testimonial.save()
            if account.role == Role.STAFF:
                await AuditEvent.create(
                    action=AuditAction.TESTIMONIAL_REMOVED_BY_STAFF,
                    actor_id=account.id,
                    subject_id=testimonial.author_id,
                    detail={"testimonial_id": testimonial.id},
                )
    await testimonial.fetch_related("author")
    return testimonial
