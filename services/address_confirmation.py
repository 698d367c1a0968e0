"""Double opt-in: confirming that an address is its account holder's, by the link mailed
to it, and mailing that link again (the rule and the link are privacy/address_confirmation.py)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from errors import InvalidTokenError
from mailers.enqueue import enqueue_address_confirmation
from models.accounts import Account
from models.tokens import LinkSigner
from privacy import address_confirmation
from rate_limits import RateLimits


async def confirm_address(links: LinkSigner, token: str) -> Account:
    """Marks the address a confirmation link was mailed to as confirmed; the link works
    once. Needs no session: holding the link is the proof."""
    account = await address_confirmation.account_to_confirm(links, token)
    confirmed = address_confirmation.confirmed_now()
    # Only if the round the link belongs to is still open: of two uses racing, one wins.
    updated = await Account.filter(
        id=account.id, email_confirmation_nonce=account.email_confirmation_nonce
    ).update(**confirmed)
    if not updated:
        raise InvalidTokenError()
    account.update_from_dict(confirmed)
    return account


async def resend_confirmation(limits: RateLimits, account: Account) -> bool:
    """Mails a confirmation link to the person's own address again; false (and no mail)
    when it is confirmed already. Counted per account, confirmed or not."""
    await limits.address_confirmation(account.id)
    if address_confirmation.is_confirmed(account):
        return False
    async with in_transaction():
        if not account.email_confirmation_nonce:
            # An account from before double opt-in has no round open yet.
            round_fields = address_confirmation.new_round()
            await Account.filter(id=account.id).update(**round_fields)
            account.update_from_dict(round_fields)
        await enqueue_address_confirmation(account)
    return True
