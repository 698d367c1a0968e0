"""The person's rights over their data: the export, and cancelling the account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.errors import (
    NotAuthorized,
)


@strawberry.type
class AccountCancelled:
    cancelled_at: datetime
    purge_after: datetime = strawberry.field(
        description="When the remaining personal data will be erased, unless held for a legal "
        "obligation."
    )


CancelAccountResult = Annotated[
    AccountCancelled | NotAuthorized, strawberry.union("CancelAccountResult")
]
