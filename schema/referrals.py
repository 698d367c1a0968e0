"""Email a friend: one fixed mail to a friend, whose details are not kept."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.errors import NotAuthorized, RateLimited, ValidationError


@strawberry.type
class ReferralSent:
    message: str


@strawberry.input
class ReferralInput:
    friend_name: str
    friend_email: str


ReferralResult = Annotated[
    ReferralSent | ValidationError | NotAuthorized | RateLimited,
    strawberry.union("ReferralResult"),
]
