"""Passwords, sessions and the lookups behind signing in.

Passwords are hashed with Argon2id; session tokens are random and only their
SHA-256 is stored, so a copy of the database opens no account. The use cases that
combine these (register, login, create a staff account) are in services/accounts.py.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models import validation
from models.accounts import Account, AccountStatus, Session
from models.api_keys import ApiKey
from models.tokens import SESSION_PREFIX, hash_token, new_token

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106 parameters
# Verified when no account matches, so an unknown address costs as long as a wrong password.
_UNKNOWN_ACCOUNT_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(plain: str) -> str:
    return _hasher.hash(plain)


# Argon2 costs ~100 ms of CPU by design; in a worker thread (argon2-cffi releases the
# GIL) a burst of sign-ins does not stall every other request on the event loop.
async def hash_password_off_loop(plain: str) -> str:
    return await asyncio.to_thread(_hasher.hash, plain)


async def password_matches(stored_hash: str, plain: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored_hash, plain)
    except (VerificationError, InvalidHashError):
        return False


async def email_is_taken(email: str, *, except_account_id: int | None = None) -> bool:
    query = Account.filter(email=email)
    if except_account_id is not None:
        query = query.exclude(id=except_account_id)
    return await query.exists()


async def active_account_with_email(email: str) -> Account | None:
    address = email.strip().lower()
    # An address longer than any stored one matches nobody (and is not sent to the DB).
    if len(address) > validation.MAX_EMAIL_LENGTH:
        return None
    return await Account.get_or_none(email=address, status=AccountStatus.ACTIVE)


async def password_verifies(account: Account | None, plain: str) -> bool:
    """Whether `plain` is the account's password. With no account the hash is still
    verified (a random one), so an unknown address costs as long as a wrong password;
    a password longer than any accepted one is cut short of costing more."""
    stored_hash = account.password_hash if account else _UNKNOWN_ACCOUNT_HASH
    matches = await password_matches(stored_hash, plain[: validation.MAX_PASSWORD_LENGTH + 1])
    return account is not None and matches


async def upgrade_password_hash(account: Account, plain: str) -> None:
    """After a successful sign-in, rehashes a password stored with older Argon2
    parameters, the only moment the plain password is at hand."""
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = await hash_password_off_loop(plain)
        await account.save(update_fields=["password_hash"])


async def start_session(account: Account, session_days: int, client: str | None = None) -> str:
    """`client` is the coarse description of privacy/sessions.describe_client."""
    token = new_token(SESSION_PREFIX)
    now = datetime.now(UTC)
    await Session.create(
        account_id=account.id,
        token_hash=hash_token(token),
        expires_at=now + timedelta(days=session_days),
        last_used_at=now,
        client=client,
    )
    return token


async def session_for_token(token: str) -> Session | None:
    """The live session behind a bearer token, with its active account, or None."""
    session = await Session.get_or_none(
        token_hash=hash_token(token),
        revoked_at=None,
        expires_at__gt=datetime.now(UTC),
        account__status=AccountStatus.ACTIVE,
    ).select_related("account")
    return session


# A session's last use is recorded at most this often: a read is not a write each time.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


async def touch_session(session: Session) -> bool:
    """Records that the session authenticated a request, unless that was recorded less
    than SESSION_TOUCH_INTERVAL ago: no statement at all while the row just read is
    recent, else one conditional UPDATE (concurrent requests write once); true when it
    wrote."""
    return await _record_use(session, SESSION_TOUCH_INTERVAL)


async def _record_use(row: Session | ApiKey, interval: timedelta) -> bool:
    now = datetime.now(UTC)
    since = now - interval
    if row.last_used_at is not None and row.last_used_at >= since:
        return False
    stale = Q(last_used_at=None) | Q(last_used_at__lt=since)
    return await type(row).filter(stale, id=row.id).update(last_used_at=now) > 0


def live_sessions(account_id: int) -> QuerySet[Session]:
    return Session.filter(account_id=account_id, revoked_at=None, expires_at__gt=datetime.now(UTC))


async def end_sessions(account_id: int, *, except_session_id: int | None = None) -> int:
    """Ends the account's live sessions, all or all but one; how many ended."""
    query = live_sessions(account_id)
    if except_session_id is not None:
        query = query.exclude(id=except_session_id)
    return await query.update(revoked_at=datetime.now(UTC))


async def set_password_hash(account: Account, password_hash: str) -> None:
    account.password_hash = password_hash
    await account.save(update_fields=["password_hash"])


async def end_session(session_id: int) -> bool:
    ended = await Session.filter(id=session_id, revoked_at=None).update(
        revoked_at=datetime.now(UTC)
    )
    return ended > 0


async def api_key_for_token(token: str) -> ApiKey | None:
    """The live key behind a bearer token (its current secret, or the one a rotation
    replaced while its grace period lasts), with its active owner, or None. A key past
    its expiry is not live."""
    digest, now = hash_token(token), datetime.now(UTC)
    secret = Q(token_hash=digest) | Q(previous_token_hash=digest, previous_token_expires_at__gt=now)
    return (
        await ApiKey.filter(
            secret,
            Q(expires_at=None) | Q(expires_at__gt=now),
            revoked_at=None,
            owner__status=AccountStatus.ACTIVE,
        )
        .select_related("owner")
        .first()
    )


# A key's last use is recorded at most this often, as a session's is.
KEY_TOUCH_INTERVAL = timedelta(minutes=5)


async def touch_api_key(key: ApiKey) -> bool:
    """Records that the key authenticated a request, at most once per
    KEY_TOUCH_INTERVAL, as a session's use is."""
    return await _record_use(key, KEY_TOUCH_INTERVAL)
