"""Testimonials: submit, answer the consent mail, remove; the public list."""

from __future__ import annotations

import strawberry

from models.ids import parse_id
from models.testimonials import published_page
from privacy import testimonials
from schema.context import Info
from schema.testimonials import (
    Testimonial,
    TestimonialConnection,
    TestimonialConsentInput,
    TestimonialInput,
    TestimonialResult,
)


async def testimonials_page(
    info: Info, first: int = 20, after: str | None = None
) -> TestimonialConnection:
    """Published testimonials only."""
    page = await published_page(
        testimonials.publicly_visible(),
        first=first, after=after, maximum=info.context.settings.max_page_size
    )
    return TestimonialConnection.of(page, Testimonial.published)


async def submit_testimonial(info: Info, input: TestimonialInput) -> TestimonialResult:
    """Starts the consent workflow: nothing is published until the customer approves by
    email."""
    author = info.context.viewer.require_account()
    fields = testimonials.TestimonialFields(
        quote=input.quote, event_type=input.event_type, city=input.city, state=input.state
    )
    row = await testimonials.submit(author, fields)
    return Testimonial.from_row(row, author.name)


async def respond_to_testimonial_consent(
    info: Info, input: TestimonialConsentInput
) -> TestimonialResult:
    row = await testimonials.respond(info.context.links, input.token, input.approve)
    return Testimonial.from_row(row, row.published_name or row.author.name)


async def remove_testimonial(info: Info, id: strawberry.ID) -> TestimonialResult:
    account = info.context.viewer.require_account()
    row = await testimonials.remove(account, parse_id(id))
    await row.fetch_related("author")
    return Testimonial.from_row(row, row.published_name or row.author.name)
