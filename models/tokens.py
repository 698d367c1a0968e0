"""Bearer secrets: random, shown once, stored only as SHA-256.

The prefix tells a session (bls_) from an API key (blk_) without a lookup.
"""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "bls_"
API_KEY_PREFIX = "blk_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
