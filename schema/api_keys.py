"""API keys for partners' own tools."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.api_keys import ApiKey as ApiKeyRow
from schema.enums import ApiScope
from schema.errors import NotAuthorized, NotFound, ValidationError


@strawberry.type
class ApiKey:
    id: strawberry.ID
    name: str
    scopes: list[ApiScope]
    token: str | None = strawberry.field(
        description="The secret, returned once at creation and never again."
    )
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = strawberry.field(
        description="After this the key reads nothing, as if revoked; null: no expiry."
    )
    last_used_at: datetime | None = strawberry.field(
        description="When the key last authenticated a request (to within 5 minutes)."
    )
    previous_secret_valid_until: datetime | None = strawberry.field(
        description="After a rotation, until when the replaced secret still works."
    )

    @classmethod
    def from_row(cls, row: ApiKeyRow, token: str | None = None) -> ApiKey:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            scopes=sorted(row.scope_set),
            token=token,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            previous_secret_valid_until=row.previous_token_expires_at
            if row.previous_token_hash
            else None,
        )


@strawberry.input
class ApiKeyInput:
    name: str
    scopes: list[ApiScope]
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="Optional: when the key stops working (at most API_KEY_MAX_LIFETIME_DAYS "
        "ahead, with a time zone).",
    )


ApiKeyResult = Annotated[
    ApiKey | ValidationError | NotAuthorized | NotFound, strawberry.union("ApiKeyResult")
]
