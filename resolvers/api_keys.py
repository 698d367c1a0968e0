"""Creating, rotating and revoking API keys (from a signed-in session only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.ids import parse_id
from schema.api_keys import ApiKey, ApiKeyInput, ApiKeyResult
from schema.context import Info
from services import api_keys


async def create_api_key(info: Info, input: ApiKeyInput) -> ApiKeyResult:
    owner = info.context.viewer.require_account()
    key, token = await api_keys.create_key(
        owner,
        input.name,
        list(input.scopes),
        expires_at=input.expires_at,
        limits=api_keys.KeyLimits.of(info.context.settings),
    )
    return ApiKey.from_row(key, token=token)


async def rotate_api_key(
    info: Info,
    id: strawberry.ID,
    grace_minutes: Annotated[
        int | None,
        strawberry.argument(
            description="How long the old secret keeps working (API_KEY_ROTATION_GRACE_MINUTES "
            "by default; 0: from now on only the new one)."
        ),
    ] = None,
) -> ApiKeyResult:
    """A new secret, shown once; the old one works for the grace period."""
    owner = info.context.viewer.require_account()
    limits = api_keys.KeyLimits.of(info.context.settings)
    key, token = await api_keys.rotate_key(owner, parse_id(id), limits, grace_minutes)
    return ApiKey.from_row(key, token=token)


async def revoke_api_key(info: Info, id: strawberry.ID) -> ApiKeyResult:
    owner = info.context.viewer.require_account()
    return ApiKey.from_row(await api_keys.revoke_key(owner, parse_id(id)))
