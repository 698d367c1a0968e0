"""Encryption at rest for the fields the policy calls sensitive (phone numbers): the
keys and the cipher, at the bottom of the layers so that settings, db and models all
use one keyring.

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`, through MultiFernet: the
first key of ENCRYPTION_KEYS encrypts, every key decrypts, so a key is rotated by
putting the new one first and running `python main.py reencrypt`.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

FERNET_PREFIX = "gAAAAA"
_keyring: MultiFernet | None = None


def keys_from_secret(secret_key: str) -> list[str]:
    """The development key: derived from SECRET_KEY, so a laptop needs no setting."""
    return [base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()).decode()]


def configure(keys: list[str]) -> None:
    global _keyring
    _keyring = MultiFernet([Fernet(key) for key in keys])


def _ring() -> MultiFernet:
    if _keyring is None:
        raise RuntimeError("encryption keys are not configured (encryption.configure)")
    return _keyring


def encrypt(plain: str) -> str:
    return _ring().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    try:
        return _ring().decrypt(stored.encode()).decode()
    except InvalidToken:
        if stored.startswith(FERNET_PREFIX):
            raise
        # A value written before encryption existed: `reencrypt` encrypts it.
        return stored
