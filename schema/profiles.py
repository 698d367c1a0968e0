"""Confirming a new address from its mailed link."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.errors import (
    EmailTaken,
    InvalidToken,
)


@strawberry.type(
    description="A confirmed change of address. Whoever holds the link learns only the "
    "address it confirmed: the link needs no session, so it reveals nothing else."
)
class EmailChangeConfirmed:
    email: str


ConfirmEmailResult = Annotated[
    EmailChangeConfirmed | InvalidToken | EmailTaken, strawberry.union("ConfirmEmailResult")
]
