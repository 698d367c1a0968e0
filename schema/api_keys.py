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

    @classmethod
    def from_row(cls, row: ApiKeyRow, token: str | None = None) -> ApiKey:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            scopes=sorted(row.scope_set),
            token=token,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


@strawberry.input
class ApiKeyInput:
    name: str
    scopes: list[ApiScope]


ApiKeyResult = Annotated[
    ApiKey | ValidationError | NotAuthorized | NotFound, strawberry.union("ApiKeyResult")
]
