"""The link that confirms a new email address.

A change of address takes effect only when a link sent to the new address is used:
that proves the address belongs to the person. The link names the account and a
random nonce kept beside the pending address, so it works once (the nonce is cleared
when the change is applied), only for the latest change asked for (a new request
replaces the nonce), and only until it expires. The mail composer makes the link and
the confirming service reads it, so the rule lives here, below both.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from errors import InvalidTokenError
from models.accounts import Account, AccountStatus
from models.tokens import LinkSigner

EMAIL_CONFIRMATION_TIME = timedelta(days=2)
_PURPOSE = "email-change"


def pending_change(new_email: str) -> dict[str, object]:
    """The fields that hold `new_email` until its link is used."""
    return {
        "pending_email": new_email,
        "pending_email_nonce": secrets.token_hex(16),
        "pending_email_expires_at": datetime.now(UTC) + EMAIL_CONFIRMATION_TIME,
    }


def email_change_token(links: LinkSigner, account: Account) -> str:
    return links.sign(_PURPOSE, [account.id, account.pending_email_nonce])


async def account_to_confirm(links: LinkSigner, token: str) -> Account:
    """The active account whose pending address `token` confirms; InvalidToken for a
    forged, used, replaced or expired link."""
    account_id, nonce = links.unsign(_PURPOSE, token, 2)
    if not isinstance(account_id, int) or not isinstance(nonce, str):
        raise InvalidTokenError()
    account = await Account.get_or_none(
        id=account_id,
        status=AccountStatus.ACTIVE,
        pending_email_nonce=nonce,
        pending_email_expires_at__gt=datetime.now(UTC),
    )
    if account is None or account.pending_email is None:
        raise InvalidTokenError()
    return account
