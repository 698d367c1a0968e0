"""Double opt-in: promotional and partner mail goes only to an address its owner has
confirmed.

Anyone can type anyone's address into a registration form. Until a link mailed to the
address is used, nothing shows that its owner asked for anything, so mail sent under a
marketing consent (MARKETING) waits; mail about the account itself (the welcome, an
inquiry, a password reset, a policy notice...) still goes, since the account exists
either way and its owner must be able to hear of it.

The rule is applied twice, like every consent: in the SQL that picks a mailing's
recipients (`privacy/mail.consenting`) and just before each mail is sent
(`privacy/mail.reason_not_to_deliver`), so a mail queued for an address that is not
(or no longer) confirmed is dropped.

A confirmation link names the account, the current round's nonce (kept on the account
until the address is confirmed) and its expiry; it is signed, so none of the three can
be changed. The composer makes it and the confirming service reads it, so the rule
lives here, below both.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from errors import InvalidTokenError
from models.accounts import Account, AccountStatus
from models.purposes import Purpose
from models.tokens import LinkSigner

# The purposes whose mail needs a confirmed address: marketing, ours or our partners'.
MARKETING: frozenset[Purpose] = frozenset({Purpose.PROMOTIONAL_EMAILS, Purpose.PARTNER_PROMOTIONS})
# How long a confirmation link works, from the moment its mail is composed.
CONFIRMATION_TIME = timedelta(days=7)
_PURPOSE = "address-confirmation"


def needs_confirmed_address(purpose: Purpose | None) -> bool:
    return purpose in MARKETING


def is_confirmed(account: Account) -> bool:
    return account.email_confirmed_at is not None


def confirmed() -> Q:
    """Accounts whose current address is confirmed (a SQL condition)."""
    return Q(email_confirmed_at__not_isnull=True)


def new_round() -> dict[str, object]:
    """The fields that start a round of confirmation links for the current address."""
    return {"email_confirmation_nonce": secrets.token_hex(16)}


def confirmed_now() -> dict[str, object]:
    """The fields that mark the current address confirmed: a link mailed to it was used.
    Its confirmation links stop working, their work being done."""
    return {"email_confirmed_at": datetime.now(UTC), "email_confirmation_nonce": None}


def confirmation_token(links: LinkSigner, account: Account) -> str:
    expires = int((datetime.now(UTC) + CONFIRMATION_TIME).timestamp())
    return links.sign(_PURPOSE, [account.id, account.email_confirmation_nonce, expires])


async def account_to_confirm(links: LinkSigner, token: str) -> Account:
    """The active account whose address `token` confirms; InvalidToken for a forged,
    used, expired or garbled link, or one of another kind."""
    account_id, nonce, expires = links.unsign(_PURPOSE, token, 3)
    if not isinstance(account_id, int) or not isinstance(nonce, str):
        raise InvalidTokenError()
    if not isinstance(expires, int) or expires <= datetime.now(UTC).timestamp():
        raise InvalidTokenError()
    # Confirming clears the nonce, so a used link finds nothing.
    account = await Account.get_or_none(
        id=account_id, status=AccountStatus.ACTIVE, email_confirmation_nonce=nonce
    )
    if account is None:
        raise InvalidTokenError()
    return account
