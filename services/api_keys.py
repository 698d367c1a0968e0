"""Creating, rotating and revoking API keys. Only a person signed in through a
session gets here (the resolver asks the viewer): a key can never make, rotate or
revoke keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from models import validation
from models.accounts import Account, hold_for_counting
from models.api_keys import ApiKey, ApiScope
from models.revocation import revoke_owned
from models.tokens import API_KEY_PREFIX, hash_token, new_token
from settings import Settings

MAX_LIVE_KEYS = 20


@dataclass(frozen=True)
class KeyLimits:
    max_lifetime: timedelta
    default_grace: timedelta
    max_grace: timedelta

    @classmethod
    def of(cls, settings: Settings) -> KeyLimits:
        return cls(
            max_lifetime=timedelta(days=settings.api_key_max_lifetime_days),
            default_grace=timedelta(minutes=settings.api_key_rotation_grace_minutes),
            max_grace=timedelta(minutes=settings.api_key_rotation_grace_max_minutes),
        )


def _expiry(expires_at: datetime | None, limits: KeyLimits) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise InvalidInput("expiresAt", "Give a time zone (e.g. 2027-01-31T00:00:00Z).")
    now = datetime.now(UTC)
    if expires_at <= now:
        raise InvalidInput("expiresAt", "Choose a time in the future.")
    if expires_at > now + limits.max_lifetime:
        raise InvalidInput("expiresAt", f"A key lives at most {limits.max_lifetime.days} days.")
    return expires_at


DEFAULT_LIMITS = KeyLimits.of(Settings.model_construct())


async def create_key(
    owner: Account,
    name: str,
    scopes: list[ApiScope],
    *,
    expires_at: datetime | None = None,
    limits: KeyLimits = DEFAULT_LIMITS,
) -> tuple[ApiKey, str]:
    """Returns the key and its secret, which is never shown again."""
    name = validation.text(name, "name", max_length=100)
    if not scopes:
        raise InvalidInput("scopes", "Choose at least one scope.")
    expires_at = _expiry(expires_at, limits)
    token, now = new_token(API_KEY_PREFIX), datetime.now(UTC)
    live = ApiKey.filter(Q(expires_at=None) | Q(expires_at__gt=now), revoked_at=None)
    async with in_transaction():
        # Counted under a hold on the owner: keys made at once cannot pass the cap.
        await hold_for_counting(owner.id)
        if await live.filter(owner_id=owner.id).count() >= MAX_LIVE_KEYS:
            raise InvalidInput("scopes", f"You can have at most {MAX_LIVE_KEYS} live keys.")
        key = await ApiKey.create(
            owner_id=owner.id,
            name=name,
            scopes=" ".join(sorted(set(scopes))),
            token_hash=hash_token(token),
            expires_at=expires_at,
        )
    return key, token


async def rotate_key(
    owner: Account, key_id: int | None, limits: KeyLimits, grace_minutes: int | None = None
) -> tuple[ApiKey, str]:
    """A new secret for a live key of the owner's, returned once; the old one keeps
    working for the grace period (none: only the new one works from now). A key
    rotated again within its grace period loses the older secret at once: only the
    secret being replaced gets a grace period."""
    grace = limits.default_grace if grace_minutes is None else timedelta(minutes=grace_minutes)
    if grace < timedelta(0) or grace > limits.max_grace:
        raise InvalidInput(
            "graceMinutes",
            f"Choose between 0 and {int(limits.max_grace.total_seconds() // 60)} minutes.",
        )
    now = datetime.now(UTC)
    key = (
        await ApiKey.get_or_none(id=key_id, owner_id=owner.id, revoked_at=None) if key_id else None
    )
    if key is None or (key.expires_at is not None and key.expires_at <= now):
        raise NotFoundError("No such live API key.")
    token = new_token(API_KEY_PREFIX)
    changes = {
        "token_hash": hash_token(token),
        "previous_token_hash": key.token_hash if grace else None,
        "previous_token_expires_at": now + grace if grace else None,
    }
    # Only if no other rotation got there first: of two racing, one wins.
    if not await ApiKey.filter(id=key.id, token_hash=key.token_hash).update(**changes):
        raise NotFoundError("No such live API key.")
    await key.refresh_from_db()
    return key, token


async def revoke_key(owner: Account, key_id: int | None) -> ApiKey:
    return await revoke_owned(ApiKey, key_id, owner.id, "No such API key.")
