"""Testimonials: submit, answer the consent mail, remove; the public list."""

from __future__ import annotations

from functools import partial

import strawberry

from models.ids import parse_id
from schema.context import Info
from schema.testimonials import (
    Testimonial,
    TestimonialConnection,
    TestimonialConsentInput,
    TestimonialInput,
    TestimonialResult,
)
from services import testimonials


async def testimonials_page(
    info: Info, first: int = 20, after: str | None = None
) -> TestimonialConnection:
    """Published testimonials only."""
    page = await testimonials.published(
        first=first, after=after, maximum=info.context.settings.max_page_size
    )
    region = info.context.settings.default_phone_region
    return TestimonialConnection.of(page, partial(Testimonial.published, phone_region=region))


async def submit_testimonial(info: Info, input: TestimonialInput) -> TestimonialResult:
    """Starts the consent workflow: nothing is published until the customer approves by
    email."""
    author = info.context.viewer.require_account()
    fields = testimonials.TestimonialFields(
        quote=input.quote, event_type=input.event_type, city=input.city, state=input.state
    )
    row = await testimonials.submit(
        author, fields, phone_region=info.context.settings.default_phone_region
    )
    return Testimonial.from_row(row, author.name)


# Both answers below go to the author (the token came by their mail) or to staff acting
# for them, so they show the author's view: their name even before it is published.
async def respond_to_testimonial_consent(
    info: Info, input: TestimonialConsentInput
) -> TestimonialResult:
    row = await testimonials.respond(
        info.context.links,
        input.token,
        input.approve,
        phone_region=info.context.settings.default_phone_region,
    )
    return Testimonial.from_row(row, row.author.name)


async def remove_testimonial(info: Info, id: strawberry.ID) -> TestimonialResult:
    account = info.context.viewer.require_account()
    row = await testimonials.remove(account, parse_id(id))
    return Testimonial.from_row(row, row.author.name)
