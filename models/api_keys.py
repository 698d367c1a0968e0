"""API keys: how partner bands and organizers read what was shared with them from
their own tools. Only the SHA-256 of a key is stored; creating and revoking one is
in services/api_keys.py."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account


class ApiScope(StrEnum):
    CONTACTS_READ = "CONTACTS_READ"
    LISTINGS_READ = "LISTINGS_READ"
    # ADS_AUDIENCE (the ad partner's read of hashed addresses) is gone: migration 0021
    # revoked every key that held it and took it out of their scopes.


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
    # Chosen by the owner at creation; a key past it reads nothing, as if revoked.
    expires_at = fields.DatetimeField(null=True)
    # Written at most every KEY_TOUCH_INTERVAL (models/auth.touch_api_key).
    last_used_at = fields.DatetimeField(null=True)
    # After a rotation the replaced secret keeps working until this time, so that a
    # partner can deploy the new one without an outage.
    previous_token_hash = fields.CharField(max_length=64, null=True, unique=True)
    previous_token_expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"
        indexes = (("owner_id", "id"),)

    @property
    def scope_set(self) -> frozenset[ApiScope]:
        return frozenset(ApiScope(value) for value in self.scopes.split())
