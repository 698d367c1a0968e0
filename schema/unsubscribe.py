"""One-click unsubscribe from the link in every promotional mail."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.enums import Purpose
from schema.errors import InvalidToken, RateLimited


@strawberry.type
class Unsubscribed:
    purposes: list[Purpose]


UnsubscribeResult = Annotated[
    Unsubscribed | InvalidToken | RateLimited, strawberry.union("UnsubscribeResult")
]
