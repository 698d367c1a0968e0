"""Encryption at rest for the fields the policy calls sensitive (phone numbers).

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`, through MultiFernet: the
first key of ENCRYPTION_KEYS encrypts, every key decrypts, so a key is rotated by
putting the new one first and running `python main.py reencrypt`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from tortoise import fields

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
        raise RuntimeError("encryption keys are not configured (models.crypto.configure)")
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


class EncryptedTextField(fields.TextField):
    """Plain text in Python, a Fernet token in the database."""

    def to_db_value(self, value: Any, instance: Any) -> Any:
        return None if value is None else encrypt(str(value))

    def to_python_value(self, value: Any) -> Any:
        return None if value is None else decrypt(value)


async def reencrypt_all(progress: Callable[[int, int], None] | None = None) -> int:
    """Re-encrypts every encrypted value with the current first key (after a new key is
    put in front of ENCRYPTION_KEYS), and encrypts any value stored before encryption.
    Loading decrypts with whichever key fits; saving encrypts with the first."""
    from models.accounts import Account

    accounts = await Account.filter(phone__not_isnull=True).only("id", "phone")
    for done, account in enumerate(accounts, start=1):
        await Account.filter(id=account.id).update(phone=account.phone)
        if progress:
            progress(done, len(accounts))
    return len(accounts)
