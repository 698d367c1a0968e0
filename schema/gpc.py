"""What the browser's Global Privacy Control signal did for the signed-in person."""

from __future__ import annotations

from datetime import datetime

import strawberry

from privacy.gpc import Honoured
from schema.enums import Purpose


@strawberry.type(
    description="My browser sent the Global Privacy Control signal (`Sec-GPC: 1`) while I "
    "was signed in, and it turned purposes off: targeted ads and partner promotions. "
    "Turning one back on myself afterwards is my choice, and the signal no longer "
    "changes it."
)
class GlobalPrivacyControl:
    honored_at: datetime = strawberry.field(
        description="When the signal last turned a purpose off."
    )
    purposes: list[Purpose] = strawberry.field(description="The purposes it turned off.")
    overridden: list[Purpose] = strawberry.field(
        description="Those of them I turned back on since: my choice stands over the signal."
    )

    @classmethod
    def of(cls, honoured: Honoured) -> GlobalPrivacyControl:
        return cls(
            honored_at=honoured.honoured_at,
            purposes=honoured.purposes,
            overridden=honoured.overridden,
        )
