"""Phone numbers are encrypted at rest, and keys can be rotated."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from tortoise import connections

import encryption
from models import crypto
from models.accounts import Account
from tests import factories


async def raw_phone(account_id: int) -> str:
    _, rows = await connections.get("default").execute_query(
        f'SELECT "phone" FROM "account" WHERE "id" = {int(account_id)}'  # noqa: S608
    )
    return rows[0]["phone"]


async def test_the_stored_phone_number_is_not_plain_text(api):
    ada = await factories.customer()
    await api.data(
        'mutation { updateProfile(input: {phone: "+1 512 555 0142"}) { __typename } }',
        token=ada.token,
    )
    stored = await raw_phone(ada.account.id)
    assert "555" not in stored and "0142" not in stored
    me = (await api.data("{ me { phone } }", token=ada.token))["me"]
    assert me["phone"] == "+15125550142"


async def test_a_new_key_encrypts_old_keys_decrypt_and_reencrypt_moves_everything(settings):
    # given a value encrypted with the current key
    old_key = settings.fernet_keys()[0]
    ada = await factories.customer(phone="+1 512 555 0177")
    before = await raw_phone(ada.account.id)
    # when a new key is put first, old values still read
    new_key = Fernet.generate_key().decode()
    encryption.configure([new_key, old_key])
    try:
        assert (await Account.get(id=ada.account.id)).phone == "+1 512 555 0177"
        # and re-encrypting moves them to the new key
        assert await crypto.reencrypt_all() == 1
        after = await raw_phone(ada.account.id)
        assert after != before
        encryption.configure([new_key])
        assert (await Account.get(id=ada.account.id)).phone == "+1 512 555 0177"
        with pytest.raises(InvalidToken):
            Fernet(old_key).decrypt(after.encode())
    finally:
        encryption.configure(settings.fernet_keys())


async def test_reencrypt_encrypts_values_stored_before_encryption(settings):
    ada = await factories.customer()
    await connections.get("default").execute_query(
        f'UPDATE "account" SET "phone" = \'+1 555 0100\' WHERE "id" = {int(ada.account.id)}'  # noqa: S608
    )
    assert (await Account.get(id=ada.account.id)).phone == "+1 555 0100"
    await crypto.reencrypt_all()
    assert "0100" not in await raw_phone(ada.account.id)
    assert (await Account.get(id=ada.account.id)).phone == "+1 555 0100"
