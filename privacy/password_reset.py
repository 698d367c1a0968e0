"""The link that sets a forgotten password.

It names the account, a random nonce and when it expires, signed so that none can be
changed. The account keeps only the SHA-256 of the nonce with the password hash in
force when the link was asked for (`password_reset_digest`), so the link works:

- once: setting the password clears every digest;
- only while it is one of the latest LINKS_KEPT: a newer request adds its digest and
  drops the oldest, so that someone who knows only the address cannot kill the link
  its owner just asked for by asking again (they would need LINKS_KEPT requests in
  the window, which the per-address limit does not allow);
- only while the password is the one it was asked under: any change of password (here,
  `changePassword`, a rehash) makes the digest unreachable;
- only until it expires (PASSWORD_RESET_MINUTES, an hour at most).

The nonce itself travels in the mail's outbox row until the mail is done, then the
worker erases it (privacy/mail.ERASED_WHEN_DONE): a copy of the database opens no
account, and neither does a log, which holds neither the nonce nor the link. The
composer makes the link and the resetting service reads it, so the rule lives here,
below both.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import UTC, datetime, timedelta

from errors import InvalidTokenError
from models.accounts import Account, AccountStatus
from models.tokens import LinkSigner

_PURPOSE = "password-reset"
LINKS_KEPT = 3


def digest(nonce: str, password_hash: str) -> str:
    return hashlib.sha256(f"{nonce}:{password_hash}".encode()).hexdigest()


def new_link(account: Account, minutes: int) -> tuple[dict[str, object], dict[str, object]]:
    """A fresh link for `account`: the account's fields to save, and what the mail's
    outbox row carries to make the link (the nonce, and when it expires)."""
    nonce = secrets.token_hex(16)
    expires = int((datetime.now(UTC) + timedelta(minutes=minutes)).timestamp())
    kept = (account.password_reset_digest or "").split()[-(LINKS_KEPT - 1) :]
    return (
        {"password_reset_digest": " ".join([*kept, digest(nonce, account.password_hash)])},
        {"nonce": nonce, "expires": expires},
    )


def is_current(account: Account, nonce: str) -> bool:
    """Whether a link with `nonce` is one of the account's latest, asked under its
    current password and not used yet."""
    expected = digest(nonce, account.password_hash)
    stored = (account.password_reset_digest or "").split()
    return any(hmac.compare_digest(kept, expected) for kept in stored)


def has_expired(expires: int) -> bool:
    return expires <= datetime.now(UTC).timestamp()


def minutes_left(expires: int) -> int:
    """Minutes until the link expires, rounded up, for the mail to say."""
    return max(1, math.ceil((expires - datetime.now(UTC).timestamp()) / 60))


def reset_token(links: LinkSigner, account_id: int, nonce: str, expires: int) -> str:
    return links.sign(_PURPOSE, [account_id, nonce, expires])


async def account_to_reset(links: LinkSigner, token: str) -> Account:
    """The active account whose password `token` may set; InvalidToken, one answer for
    every reason (forged, of another kind, expired, used, replaced by a newer link, or
    asked under a password changed since), so the answer reveals none of them."""
    account_id, nonce, expires = links.unsign(_PURPOSE, token, 3)
    if not isinstance(account_id, int) or not isinstance(nonce, str):
        raise InvalidTokenError()
    if not isinstance(expires, int) or has_expired(expires):
        raise InvalidTokenError()
    account = await Account.get_or_none(id=account_id, status=AccountStatus.ACTIVE)
    if account is None or not is_current(account, nonce):
        raise InvalidTokenError()
    return account
