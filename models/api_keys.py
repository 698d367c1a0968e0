"""API keys: how partner bands and organizers read what was shared with them from
their own tools. Only the SHA-256 of a key is stored."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from errors import InvalidInput
from models import validation
from models.revocation import revoke_owned
from models.tokens import API_KEY_PREFIX, hash_token, new_token

if TYPE_CHECKING:
    from models.accounts import Account


class ApiScope(StrEnum):
    CONTACTS_READ = "CONTACTS_READ"
    LISTINGS_READ = "LISTINGS_READ"


class ApiKey(Model):
    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="api_keys", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    # Space-separated ApiScope values.
    scopes = fields.CharField(max_length=200)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"
        indexes = (("owner_id", "id"),)

    @property
    def scope_set(self) -> frozenset[ApiScope]:
        return frozenset(ApiScope(value) for value in self.scopes.split())


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
