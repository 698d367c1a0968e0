"""One-click unsubscribe (RFC 8058): a signed token in every promotional mail names
the account and the purpose the mail was sent under, and works without a session."""

from __future__ import annotations

import functools

from itsdangerous import BadSignature, URLSafeSerializer

from errors import InvalidTokenError
from models.accounts import Account
from privacy import consent
from privacy.purposes import ConsentSource, Purpose

SALT = "backline.unsubscribe"
MAX_TOKEN_LENGTH = 300
DESCRIPTIONS = {
    Purpose.PROMOTIONAL_EMAILS: "promotional mail from Backline",
    Purpose.PARTNER_PROMOTIONS: "promotions on behalf of our partners",
}


@functools.lru_cache(maxsize=4)
def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, account_id: int, purpose: Purpose) -> str:
    return _serializer(secret_key).dumps([account_id, purpose.value])


def read_token(secret_key: str, token: str) -> tuple[int, Purpose]:
    """The account and purpose a token names; InvalidToken if forged or garbled."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenError()
    try:
        account_id, purpose = _serializer(secret_key).loads(token)
        return int(account_id), Purpose(purpose)
    except (BadSignature, ValueError, TypeError):
        raise InvalidTokenError() from None


def describe(purpose: Purpose) -> str:
    return DESCRIPTIONS.get(purpose, purpose.value.lower().replace("_", " "))


async def unsubscribe(secret_key: str, token: str, ip: str | None) -> list[Purpose]:
    """Withdraws the purpose the token names, recorded with source UNSUBSCRIBE_LINK."""
    account_id, purpose = read_token(secret_key, token)
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise InvalidTokenError()
    await consent.record_choices(account, {purpose: False}, ConsentSource.UNSUBSCRIBE_LINK, ip)
    return [purpose]
