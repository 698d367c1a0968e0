"""Testimonials: nothing of one is public until its author approves, by email, the
publication of their full name, event type, city, state and quote."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

from models.pagination import Page, keyset_page

if TYPE_CHECKING:
    from models.accounts import Account


class TestimonialStatus(StrEnum):
    AWAITING_CONSENT = "AWAITING_CONSENT"
    PUBLISHED = "PUBLISHED"
    DECLINED = "DECLINED"
    REMOVED = "REMOVED"


class Testimonial(Model):
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="testimonials", on_delete=fields.CASCADE
    )
    quote = fields.TextField()
    event_type = fields.CharField(max_length=100)
    city = fields.CharField(max_length=100)
    state = fields.CharField(max_length=100)
    status = fields.CharEnumField(
        TestimonialStatus, max_length=20, default=TestimonialStatus.AWAITING_CONSENT
    )
    # The consent link carries this nonce; answering clears it, so a link works once.
    consent_nonce = fields.CharField(max_length=32, null=True)
    consent_expires_at = fields.DatetimeField()
    # The name exactly as the author agreed to show it.
    published_name = fields.CharField(max_length=200, null=True)
    responded_at = fields.DatetimeField(null=True)
    removed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "testimonial"
        indexes = (("status", "id"), ("author_id", "id"))


async def published_page(
    visible: Q, *, first: int, after: str | None, maximum: int
) -> Page[Testimonial]:
    """The public testimonials, newest first: those `visible` (a rule of privacy/)."""
    return await keyset_page(
        Testimonial.filter(visible),
        kind="testimonial",
        first=first,
        after=after,
        maximum=maximum,
    )
