"""One-click unsubscribe (RFC 8058): the signed token in a promotional mail withdraws
the consent it names, without a session. Called by the `unsubscribe` mutation and by
POST /unsubscribe/{token} (web/unsubscribe.py)."""

from __future__ import annotations

from errors import InvalidTokenError
from models.accounts import Account
from models.purposes import ConsentSource, Purpose
from models.tokens import LinkSigner
from privacy import consent
from privacy.unsubscribe import account_named, read_token
from rate_limits import RateLimits


async def unsubscribe(
    links: LinkSigner, rate_limits: RateLimits, token: str, ip: str | None
) -> list[Purpose]:
    """Withdraws the purpose the token names, recorded with source UNSUBSCRIBE_LINK.
    Counted per IP, and per account when the token is genuine, before anything else:
    forged tokens are limited as surely as real ones. InvalidTokenError if the token is
    forged, garbled, or names an account that is gone."""
    await rate_limits.unsubscribe(ip, account_named(links, token))
    account_id, purpose = read_token(links, token)
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise InvalidTokenError()
    await consent.record_choices(account, {purpose: False}, ConsentSource.UNSUBSCRIBE_LINK, ip)
    return [purpose]
