"""Accounts: registering, signing in and out, and staff accounts from the command line."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from errors import EmailTakenError, InvalidCredentialsError, InvalidInput
from mailers.enqueue import enqueue_welcome
from models import auth, validation
from models.accounts import Account, Role
from models.policies import policy_in_force
from models.purposes import ConsentSource, Purpose
from privacy import address_confirmation, consent
from privacy.contact_details import DEFAULT_REGION, ensure_none
from privacy.sessions import describe_client
from rate_limits import RateLimits

# The roles a person may pick for themselves; staff accounts come from `create_staff`.
SELF_SERVICE_ROLES = frozenset({Role.CUSTOMER, Role.PERFORMER})


async def register(
    limits: RateLimits,
    *,
    name: str,
    email: str,
    password: str,
    role: Role,
    consents: dict[Purpose, bool],
    ip: str | None,
    session_days: int,
    user_agent: str | None = None,
    phone_region: str = DEFAULT_REGION,
) -> tuple[Account, str]:
    """Registration from the public API: counted per IP before anything is checked."""
    await limits.register(ip)
    return await open_account(
        name=name,
        email=email,
        password=password,
        role=role,
        consents=consents,
        ip=ip,
        session_days=session_days,
        user_agent=user_agent,
        phone_region=phone_region,
    )


async def open_account(
    *,
    name: str,
    email: str,
    password: str,
    role: Role,
    consents: dict[Purpose, bool],
    ip: str | None,
    session_days: int,
    user_agent: str | None = None,
    phone_region: str = DEFAULT_REGION,
) -> tuple[Account, str]:
    """Creates the account, records each consent choice, and signs the person in. The
    address starts unconfirmed; the welcome mail carries the link that confirms it.
    Registration without the public door's rate limit: the demo seed uses it."""
    if role not in SELF_SERVICE_ROLES:
        raise InvalidInput("role", "Choose CUSTOMER or PERFORMER.")
    # The name is public (the directory, the boards, testimonials).
    name = ensure_none(validation.text(name, "name", max_length=200), "name", phone_region)
    email = validation.email(email)
    password = validation.password(password)
    if await auth.email_is_taken(email):
        raise EmailTakenError()
    password_hash = await auth.hash_password_off_loop(password)
    try:
        async with in_transaction():
            account = await _create(
                name, email, password_hash, role, **address_confirmation.new_round()
            )
            await consent.record_choices(account, consents, ConsentSource.REGISTRATION, ip)
            await enqueue_welcome(account)
            token = await auth.start_session(account, session_days, describe_client(user_agent))
    except IntegrityError:
        # Two registrations racing for one address: the unique index decides.
        raise EmailTakenError() from None
    return account, token


async def create_staff(*, name: str, email: str, password: str) -> Account:
    """For the command line only: no request path creates staff."""
    name = validation.text(name, "name", max_length=200)
    email = validation.email(email)
    password = validation.password(password)
    if await auth.email_is_taken(email):
        raise EmailTakenError()
    password_hash = await auth.hash_password_off_loop(password)
    async with in_transaction():
        account = await _create(name, email, password_hash, Role.STAFF)
        # Staff answer no to every marketing use; they can change it like anyone.
        await consent.record_choices(
            account, dict.fromkeys(Purpose, False), ConsentSource.REGISTRATION, None
        )
    return account


async def _create(
    name: str, email: str, password_hash: str, role: Role, **fields: object
) -> Account:
    """The account row, under the policy version in force as it is made."""
    policy = await policy_in_force(datetime.now(UTC))
    return await Account.create(
        name=name,
        email=email,
        password_hash=password_hash,
        role=role,
        policy_version_id=policy.id,
        **fields,
    )


async def login(
    limits: RateLimits,
    *,
    email: str,
    password: str,
    ip: str | None,
    session_days: int,
    user_agent: str | None = None,
) -> tuple[Account, str]:
    """Signs a person in. An unknown address and a wrong password answer alike, after
    the same Argon2 work, and both count as failures towards the login limits."""
    async with limits.login(ip, email):
        account = await auth.active_account_with_email(email)
        # Verified before the account is looked at, so that no account costs the same.
        matches = await auth.password_verifies(account, password)
        if account is None or not matches:
            raise InvalidCredentialsError()
        await auth.upgrade_password_hash(account, password)
        client = describe_client(user_agent)
        return account, await auth.start_session(account, session_days, client)


async def logout(session_id: int | None) -> bool:
    """Ends the caller's session; false when there was none."""
    return session_id is not None and await auth.end_session(session_id)
