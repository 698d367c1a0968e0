"""Creating and revoking API keys. Only a person signed in through a session gets
here (the resolver asks the viewer): a key can never make or revoke keys."""

from __future__ import annotations

from errors import InvalidInput
from models import validation
from models.accounts import Account
from models.api_keys import ApiKey, ApiScope
from models.revocation import revoke_owned
from models.tokens import API_KEY_PREFIX, hash_token, new_token

MAX_LIVE_KEYS = 20


async def create_key(owner: Account, name: str, scopes: list[ApiScope]) -> tuple[ApiKey, str]:
    """Returns the key and its secret, which is never shown again."""
    name = validation.text(name, "name", max_length=100)
    if not scopes:
        raise InvalidInput("scopes", "Choose at least one scope.")
    if await ApiKey.filter(owner_id=owner.id, revoked_at=None).count() >= MAX_LIVE_KEYS:
        raise InvalidInput("scopes", f"You can have at most {MAX_LIVE_KEYS} live keys.")
    token = new_token(API_KEY_PREFIX)
    key = await ApiKey.create(
        owner_id=owner.id,
        name=name,
        scopes=" ".join(sorted(set(scopes))),
        token_hash=hash_token(token),
    )
    return key, token


async def revoke_key(owner: Account, key_id: int | None) -> ApiKey:
    return await revoke_owned(ApiKey, key_id, owner.id, "No such API key.")
