"""One-click unsubscribe (RFC 8058): a signed token in every promotional mail names
the account and the purpose the mail was sent under, and works without a session.
Making and reading it, and naming the purpose to people, are here; withdrawing the
consent is services/unsubscribe.py."""

from __future__ import annotations

from errors import InvalidTokenError
from models.purposes import Purpose
from models.tokens import LinkSigner

DESCRIPTIONS = {
    Purpose.PROMOTIONAL_EMAILS: "promotional mail from Backline",
    Purpose.PARTNER_PROMOTIONS: "promotions on behalf of our partners",
}


def make_token(links: LinkSigner, account_id: int, purpose: Purpose) -> str:
    return links.sign("unsubscribe", [account_id, purpose.value])


def read_token(links: LinkSigner, token: str) -> tuple[int, Purpose]:
    """The account and purpose a token names; InvalidToken if forged or garbled."""
    account_id, purpose = links.unsign("unsubscribe", token, 2)
    try:
        return int(account_id), Purpose(purpose)
    except (ValueError, TypeError):
        raise InvalidTokenError() from None


def account_named(links: LinkSigner, token: str) -> int | None:
    """The account a genuine token names, or None (for counting attempts per account)."""
    try:
        return read_token(links, token)[0]
    except InvalidTokenError:
        return None


def describe(purpose: Purpose) -> str:
    return DESCRIPTIONS.get(purpose, purpose.value.lower().replace("_", " "))
