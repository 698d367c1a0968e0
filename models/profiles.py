"""Correcting and updating one's own profile."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from errors import EmailTakenError, InvalidInput, InvalidTokenError
from mailers.enqueue import enqueue_email_change, enqueue_email_changed_notice
from models import validation
from models.accounts import Account, AccountStatus
from models.auth import email_is_taken
from models.tokens import LinkSigner

UNCHANGED = object()
EMAIL_CONFIRMATION_TIME = timedelta(days=2)


async def update_profile(
    account: Account,
    *,
    name: str | None | object = UNCHANGED,
    email: str | None | object = UNCHANGED,
    phone: str | None | object = UNCHANGED,
) -> Account:
    """Changes only what is given; every value is checked before anything is written."""
    changes: dict[str, str | None] = {}
    if name is not UNCHANGED:
        if name is None:
            raise InvalidInput("name", "This cannot be empty.")
        changes["name"] = validation.text(name, "name", max_length=200)
    new_email = None
    if email is not UNCHANGED:
        if email is None:
            raise InvalidInput("email", "This cannot be empty.")
        new_email = validation.email(email)
        if new_email == account.email:
            new_email = None
        elif await email_is_taken(new_email, except_account_id=account.id):
            raise EmailTakenError()
    if phone is not UNCHANGED:
        changes["phone"] = validation.phone(phone)
    if new_email is not None:
        # Takes effect only when a link sent to the new address confirms it.
        changes |= {
            "pending_email": new_email,
            "pending_email_nonce": secrets.token_hex(16),
            "pending_email_expires_at": datetime.now(UTC) + EMAIL_CONFIRMATION_TIME,
        }
    if not changes:
        return account
    async with in_transaction():
        account.update_from_dict(changes)
        await account.save(update_fields=list(changes))
        if new_email is not None:
            await enqueue_email_change(account)
    return account


def email_change_token(links: LinkSigner, account: Account) -> str:
    return links.sign("email-change", [account.id, account.pending_email_nonce])


async def confirm_email_change(links: LinkSigner, token: str) -> Account:
    """Applies the address a confirmation link was sent to; the link works once."""
    account_id, nonce = links.unsign("email-change", token, 2)
    if not isinstance(account_id, int) or not isinstance(nonce, str):
        raise InvalidTokenError()
    async with in_transaction():
        account = await Account.get_or_none(
            id=account_id,
            status=AccountStatus.ACTIVE,
            pending_email_nonce=nonce,
            pending_email_expires_at__gt=datetime.now(UTC),
        )
        if account is None or account.pending_email is None:
            raise InvalidTokenError()
        if await email_is_taken(account.pending_email, except_account_id=account.id):
            raise EmailTakenError()
        old_email = account.email
        account.update_from_dict(
            {
                "email": account.pending_email,
                "pending_email": None,
                "pending_email_nonce": None,
                "pending_email_expires_at": None,
            }
        )
        try:
            await account.save()
        except IntegrityError:
            raise EmailTakenError() from None
        # If the change was not the person's doing, the old address is where they hear.
        await enqueue_email_changed_notice(account, old_email)
    return account
