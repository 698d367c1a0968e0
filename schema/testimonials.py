"""Testimonials: public once their author consented; the author's own view in `me`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.testimonials import Testimonial as TestimonialRow
from privacy.contact_details import DEFAULT_REGION
from privacy.testimonials import shown_name
from schema.enums import TestimonialStatus
from schema.errors import InvalidToken, NotAuthorized, NotFound, ValidationError
from schema.pagination import Connection


@strawberry.type
class Testimonial:
    id: strawberry.ID
    quote: str
    author_name: str = strawberry.field(
        description="The customer's full name; published only with their consent."
    )
    event_type: str
    city: str
    state: str
    status: TestimonialStatus

    @classmethod
    def from_row(
        cls,
        row: TestimonialRow,
        author_name: str | None = None,
        phone_region: str = DEFAULT_REGION,
    ) -> Testimonial:
        """`author_name` only for the author's own view: privacy/testimonials.shown_name
        decides which name shows."""
        return cls(
            id=strawberry.ID(str(row.id)),
            quote=row.quote,
            author_name=shown_name(row, author_name, phone_region),
            event_type=row.event_type,
            city=row.city,
            state=row.state,
            status=row.status,
        )

    @classmethod
    def published(cls, row: TestimonialRow, phone_region: str = DEFAULT_REGION) -> Testimonial:
        """The public face: the name exactly as its author agreed to show it."""
        return cls.from_row(row, phone_region=phone_region)


TestimonialConnection = Connection[Testimonial]


@strawberry.input
class TestimonialInput:
    quote: str
    event_type: str
    city: str
    state: str


@strawberry.input
class TestimonialConsentInput:
    token: str
    approve: bool


TestimonialResult = Annotated[
    Testimonial | ValidationError | NotAuthorized | NotFound | InvalidToken,
    strawberry.union("TestimonialResult"),
]
