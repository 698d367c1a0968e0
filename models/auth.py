"""Registration, passwords and sessions.

Passwords are hashed with Argon2id; session tokens are random and only their
SHA-256 is stored, so a copy of the database opens no account.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from errors import EmailTakenError, InvalidCredentialsError, InvalidInput
from mailers.enqueue import enqueue_welcome
from models import validation
from models.accounts import Account, AccountStatus, Role, Session
from models.api_keys import ApiKey
from models.policies import policy_in_force
from models.purposes import ConsentSource, Purpose
from models.tokens import SESSION_PREFIX, hash_token, new_token
from privacy import consent

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106 parameters
# Verified when no account matches, so an unknown address costs as long as a wrong password.
_UNKNOWN_ACCOUNT_HASH = _hasher.hash(secrets.token_urlsafe(16))
SELF_SERVICE_ROLES = frozenset({Role.CUSTOMER, Role.PERFORMER})


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


async def register(
    *,
    name: str,
    email: str,
    password: str,
    role: Role,
    consents: dict[Purpose, bool],
    ip: str | None,
    session_days: int,
) -> tuple[Account, str]:
    """Creates the account, records each consent choice, and signs the person in."""
    if role not in SELF_SERVICE_ROLES:
        raise InvalidInput("role", "Choose CUSTOMER or PERFORMER.")
    name = validation.text(name, "name", max_length=200)
    email = validation.email(email)
    password = validation.password(password)
    if await email_is_taken(email):
        raise EmailTakenError()
    password_hash = await hash_password_off_loop(password)
    try:
        async with in_transaction():
            policy = await policy_in_force(datetime.now(UTC))
            account = await Account.create(
                name=name,
                email=email,
                password_hash=password_hash,
                role=role,
                policy_version_id=policy.id,
            )
            await consent.record_choices(account, consents, ConsentSource.REGISTRATION, ip)
            await enqueue_welcome(account)
            token = await start_session(account, session_days)
    except IntegrityError:
        # Two registrations racing for one address: the unique index decides.
        raise EmailTakenError() from None
    return account, token


async def email_is_taken(email: str, *, except_account_id: int | None = None) -> bool:
    query = Account.filter(email=email)
    if except_account_id is not None:
        query = query.exclude(id=except_account_id)
    return await query.exists()


async def create_staff(*, name: str, email: str, password: str) -> Account:
    """Staff accounts come only from the command line, never from `register`."""
    name = validation.text(name, "name", max_length=200)
    email = validation.email(email)
    password = validation.password(password)
    if await email_is_taken(email):
        raise EmailTakenError()
    async with in_transaction():
        policy = await policy_in_force(datetime.now(UTC))
        account = await Account.create(
            name=name,
            email=email,
            password_hash=await hash_password_off_loop(password),
            role=Role.STAFF,
            policy_version_id=policy.id,
        )
        # Staff answer no to every marketing use; they can change it like anyone.
        await consent.record_choices(
            account, dict.fromkeys(Purpose, False), ConsentSource.REGISTRATION, None
        )
    return account


async def login(*, email: str, password: str, session_days: int) -> tuple[Account, str]:
    address = email.strip().lower()
    # An address longer than any stored one matches nobody (and is not sent to the DB).
    account = (
        await Account.get_or_none(email=address, status=AccountStatus.ACTIVE)
        if len(address) <= validation.MAX_EMAIL_LENGTH
        else None
    )
    stored_hash = account.password_hash if account else _UNKNOWN_ACCOUNT_HASH
    matches = await password_matches(stored_hash, password[: validation.MAX_PASSWORD_LENGTH + 1])
    if account is None or not matches:
        raise InvalidCredentialsError()
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = await hash_password_off_loop(password)
        await account.save(update_fields=["password_hash"])
    return account, await start_session(account, session_days)


async def start_session(account: Account, session_days: int) -> str:
    token = new_token(SESSION_PREFIX)
    await Session.create(
        account_id=account.id,
        token_hash=hash_token(token),
        expires_at=datetime.now(UTC) + timedelta(days=session_days),
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


async def end_session(session_id: int) -> bool:
    ended = await Session.filter(id=session_id, revoked_at=None).update(
        revoked_at=datetime.now(UTC)
    )
    return ended > 0


async def api_key_for_token(token: str) -> ApiKey | None:
    """The live key behind a bearer token, with its active owner, or None."""
    return await ApiKey.get_or_none(
        token_hash=hash_token(token),
        revoked_at=None,
        owner__status=AccountStatus.ACTIVE,
    ).select_related("owner")
