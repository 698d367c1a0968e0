"""The encrypted column type, and re-encryption after a key rotation (the keyring is
in encryption.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tortoise import fields

from encryption import decrypt, encrypt


class EncryptedTextField(fields.TextField):
    """Plain text in Python, a Fernet token in the database."""

    def to_db_value(self, value: Any, instance: Any) -> Any:
        return None if value is None else encrypt(str(value))

    def to_python_value(self, value: Any) -> Any:
        return None if value is None else decrypt(value)


async def reencrypt_all(progress: Callable[[int, int], None] | None = None) -> int:
    """Re-encrypts every encrypted value (phone numbers, webhook signing secrets) with the
    current first key (after a new key is put in front of ENCRYPTION_KEYS), and encrypts
    any value stored before encryption.
    Loading decrypts with whichever key fits; saving encrypts with the first."""
    from models.accounts import Account
    from models.webhooks import WebhookEndpoint

    accounts = await Account.filter(phone__not_isnull=True).only("id", "phone")
    endpoints = await WebhookEndpoint.all().only("id", "secret")
    total = len(accounts) + len(endpoints)
    for done, account in enumerate(accounts, start=1):
        await Account.filter(id=account.id).update(phone=account.phone)
        if progress:
            progress(done, total)
    for done, endpoint in enumerate(endpoints, start=len(accounts) + 1):
        await WebhookEndpoint.filter(id=endpoint.id).update(secret=endpoint.secret)
        if progress:
            progress(done, total)
    return total
