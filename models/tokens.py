"""Bearer secrets: random, shown once, stored only as SHA-256.

The prefix tells a session (bls_) from an API key (blk_) without a lookup.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from errors import InvalidTokenError

SESSION_PREFIX = "bls_"
API_KEY_PREFIX = "blk_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


MAX_SIGNED_LENGTH = 300


@functools.lru_cache(maxsize=16)
def _serializer(secret_key: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"backline.{purpose}")


def sign(secret_key: str, purpose: str, payload: list) -> str:
    """An opaque link token for one purpose (its own salt): a token made for one
    purpose is worthless for another."""
    return _serializer(secret_key, purpose).dumps(payload)


def unsign(secret_key: str, purpose: str, token: str, size: int) -> list:
    """The payload of a genuine token of `purpose` with `size` items; InvalidToken for
    anything forged, garbled or oversized."""
    if len(token) > MAX_SIGNED_LENGTH:
        raise InvalidTokenError()
    try:
        payload = _serializer(secret_key, purpose).loads(token)
    except BadSignature:
        raise InvalidTokenError() from None
    if not isinstance(payload, list) or len(payload) != size:
        raise InvalidTokenError()
    return payload
