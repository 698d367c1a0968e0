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


class LinkSigner:
    """Signs and reads the tokens in the links mailed to people (unsubscribe, testimonial
    consent, email confirmation) with SECRET_KEY. Built once from the settings and handed
    to whoever makes or reads a link, so the secret itself travels no further."""

    def __init__(self, secret_key: str) -> None:
        self._secret_key = secret_key

    def __repr__(self) -> str:
        return "LinkSigner(...)"

    def sign(self, purpose: str, payload: list) -> str:
        """An opaque link token for one purpose (its own salt): a token made for one
        purpose is worthless for another."""
        return _serializer(self._secret_key, purpose).dumps(payload)

    def unsign(self, purpose: str, token: str, size: int) -> list:
        """The payload of a genuine token of `purpose` with `size` items; InvalidToken
        for anything forged, garbled or oversized."""
        if len(token) > MAX_SIGNED_LENGTH:
            raise InvalidTokenError()
        try:
            payload = _serializer(self._secret_key, purpose).loads(token)
        except BadSignature:
            raise InvalidTokenError() from None
        if not isinstance(payload, list) or len(payload) != size:
            raise InvalidTokenError()
        return payload


@functools.lru_cache(maxsize=16)
def _serializer(secret_key: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"backline.{purpose}")
