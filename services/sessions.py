"""The security of one's own account: changing the password, the list of one's
sessions, ending one of them or all of them, and with them, when the person asks, every
API key and webhook endpoint (a stolen session can leave a key behind). Every change of
password is mailed to the person with what can still reach the account."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from errors import InvalidCredentialsError
from mailers.enqueue import enqueue_password_changed
from models import access, auth, validation
from models.access import Ended
from models.accounts import Account, Session
from privacy.sessions import own_live_session
from rate_limits import RateLimits


@dataclass(frozen=True)
class AlsoEnd:
    """What to end besides sessions, as the person chose. The API asks for neither by
    default (schema/accounts.REVOKE_API_KEYS): a key or an endpoint is a partner's tool
    the person set up on purpose, and revoking a key cannot be undone (the partner must
    deploy a new secret), while leaving one is undone by asking again; the notice of a
    password change lists what is left."""

    api_keys: bool
    webhook_endpoints: bool


async def change_password(
    limits: RateLimits,
    account: Account,
    *,
    current_session_id: int,
    current_password: str,
    new_password: str,
    also: AlsoEnd,
) -> Ended:
    """Replaces the password when the current one is given, ends every other session of
    the account (the one asking stays) and, as asked, its API keys and webhook
    endpoints, and mails the person what is left; what ended. Wrong current passwords
    count towards a per-account limit."""
    async with limits.password_change(account.id):
        if not await auth.password_verifies(account, current_password):
            raise InvalidCredentialsError("The current password is not right.")
    new_password = validation.password(new_password, "newPassword")
    # Hashed before the transaction, so that no lock is held through Argon2's work.
    password_hash = await auth.hash_password_off_loop(new_password)
    async with in_transaction():
        await auth.set_password_hash(account, password_hash)
        ended = await access.end_access(
            account.id,
            except_session_id=current_session_id,
            revoke_api_keys_too=also.api_keys,
            disable_webhook_endpoints_too=also.webhook_endpoints,
        )
        await enqueue_password_changed(account, session_id=current_session_id, reset=False)
    return ended


async def sign_out_everywhere(account: Account, also: AlsoEnd) -> Ended:
    """Ends every session of the account, the one asking included, and, as asked, its
    API keys and webhook endpoints, in one transaction; what ended."""
    async with in_transaction():
        return await access.end_access(
            account.id,
            revoke_api_keys_too=also.api_keys,
            disable_webhook_endpoints_too=also.webhook_endpoints,
        )


async def revoke_session(account: Account, session_id: int | None) -> Session:
    """Ends one of the account's own live sessions; NotFound for anyone else's."""
    session = await own_live_session(account, session_id)
    await auth.end_session(session.id)
    return session


async def live_sessions(account_id: int, *, limit: int) -> list[Session]:
    """The account's live sessions, newest first, at most `limit`."""
    return await auth.live_sessions(account_id).order_by("-created_at", "-id").limit(limit)
