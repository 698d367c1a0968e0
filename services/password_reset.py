"""A forgotten password: asking for a reset link by address, and setting a new password
with it (the link's rules are privacy/password_reset.py)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from errors import InvalidTokenError
from mailers.enqueue import enqueue_password_changed, enqueue_password_reset
from models import auth, validation
from models.accounts import Account
from models.api_keys import ApiKey
from models.audit import AuditAction, AuditEvent
from models.tokens import LinkSigner
from privacy import address_confirmation, password_reset
from rate_limits import RateLimits

# A request answers no sooner than this after it started, whoever uses the address: the
# work for a registered one (a row updated, a mail queued: a millisecond or two) ends
# well inside it, so the time taken tells nothing either.
ANSWER_SECONDS = 0.05


async def request_reset(limits: RateLimits, *, email: str, ip: str | None, minutes: int) -> None:
    """Mails a reset link when an active account uses `email`, and answers nothing
    either way: an unknown address, a cancelled account and a registered one look the
    same to the caller, in what it answers and in how long it takes (ANSWER_SECONDS).
    The limits count the address whether or not anyone uses it; past its share no mail
    goes, and the answer is still the same."""
    started = time.monotonic()
    address = validation.email(email)
    may_mail = await limits.password_reset(ip, address)
    account = await auth.active_account_with_email(address) if may_mail else None
    if account is not None:
        fields, link = password_reset.new_link(account, minutes)
        async with in_transaction():
            await Account.filter(id=account.id).update(**fields)
            await enqueue_password_reset(account, link)
    await asyncio.sleep(max(0.0, ANSWER_SECONDS - (time.monotonic() - started)))


async def reset_password(links: LinkSigner, *, token: str, new_password: str) -> int:
    """Sets the password a reset link was sent for and ends every session of the
    account and revokes its API keys (whoever knew the old password is shut out, and
    any key they made with it dies), and mails the person what can still reach the
    account (webhook endpoints of live keys: none are left); how many sessions ended.
    The link works once. The address counts as confirmed, since the link was mailed to it.
    Nobody is signed in: the person signs in with the new password, through the door
    (and its limits) everyone uses."""
    account = await password_reset.account_to_reset(links, token)
    new_password = validation.password(new_password, "newPassword")
    # Hashed before the transaction, so that no lock is held through Argon2's work.
    password_hash = await auth.hash_password_off_loop(new_password)
    changes: dict[str, object] = {"password_hash": password_hash, "password_reset_digest": None}
    if not address_confirmation.is_confirmed(account):
        changes |= address_confirmation.confirmed_now()
    async with in_transaction():
        # Only if nothing changed since the link was read: of two uses racing, one wins.
        updated = await Account.filter(
            id=account.id,
            password_hash=account.password_hash,
            password_reset_digest=account.password_reset_digest,
        ).update(**changes)
        if not updated:
            raise InvalidTokenError()
        ended = await auth.end_sessions(account.id)
        keys = await ApiKey.filter(owner_id=account.id, revoked_at=None).update(
            revoked_at=datetime.now(UTC)
        )
        await AuditEvent.create(
            action=AuditAction.PASSWORD_RESET,
            actor_id=account.id,
            subject_id=account.id,
            detail={"sessionsEnded": ended, "apiKeysRevoked": keys},
        )
        await enqueue_password_changed(account, session_id=None, reset=True)
    return ended
