"""The security of one's own account: changing the password, the list of one's
sessions, ending one of them or all of them."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from errors import InvalidCredentialsError
from models import auth, validation
from models.accounts import Account, Session
from privacy.sessions import own_live_session
from rate_limits import RateLimits


async def change_password(
    limits: RateLimits,
    account: Account,
    *,
    current_session_id: int,
    current_password: str,
    new_password: str,
) -> int:
    """Replaces the password when the current one is given, and ends every other
    session of the account (the one asking stays); how many ended. Wrong current
    passwords count towards a per-account limit."""
    async with limits.password_change(account.id):
        if not await auth.password_verifies(account, current_password):
            raise InvalidCredentialsError("The current password is not right.")
    new_password = validation.password(new_password, "newPassword")
    # Hashed before the transaction, so that no lock is held through Argon2's work.
    password_hash = await auth.hash_password_off_loop(new_password)
    async with in_transaction():
        await auth.set_password_hash(account, password_hash)
        return await auth.end_sessions(account.id, except_session_id=current_session_id)


async def sign_out_everywhere(account: Account) -> int:
    """Ends every session of the account, the one asking included; how many ended."""
    return await auth.end_sessions(account.id)


async def revoke_session(account: Account, session_id: int | None) -> Session:
    """Ends one of the account's own live sessions; NotFound for anyone else's."""
    session = await own_live_session(account, session_id)
    await auth.end_session(session.id)
    return session


async def live_sessions(account_id: int, *, limit: int) -> list[Session]:
    """The account's live sessions, newest first, at most `limit`."""
    return await auth.live_sessions(account_id).order_by("-created_at", "-id").limit(limit)
