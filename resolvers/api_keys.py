"""Creating and revoking API keys (from a signed-in session only)."""

from __future__ import annotations

import strawberry

from models.ids import parse_id
from schema.api_keys import ApiKey, ApiKeyInput, ApiKeyResult
from schema.context import Info
from services import api_keys


async def create_api_key(info: Info, input: ApiKeyInput) -> ApiKeyResult:
    owner = info.context.viewer.require_account()
    key, token = await api_keys.create_key(owner, input.name, list(input.scopes))
    return ApiKey.from_row(key, token=token)


async def revoke_api_key(info: Info, id: strawberry.ID) -> ApiKeyResult:
    owner = info.context.viewer.require_account()
    return ApiKey.from_row(await api_keys.revoke_key(owner, parse_id(id)))
