"""Promotional mailings, ours or on behalf of a partner (staff send them)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.errors import NotAuthorized, ValidationError


@strawberry.type
class PromotionQueued:
    recipients: int


@strawberry.input
class PromotionInput:
    subject: str
    body: str
    on_behalf_of_partner: str | None = strawberry.field(
        default=None,
        description=(
            "Set when the mailing is sent on behalf of a partner: it then goes only to "
            "PARTNER_PROMOTIONS consenters."
        ),
    )


PromotionResult = Annotated[
    PromotionQueued | ValidationError | NotAuthorized, strawberry.union("PromotionResult")
]
