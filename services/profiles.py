"""Correcting and updating one's own profile and privacy choices; a new email address
takes effect only once the link mailed to it is used (privacy/email_change.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from errors import EmailTakenError, InvalidInput
from mailers.enqueue import enqueue_email_change, enqueue_email_changed_notice
from models import validation
from models.accounts import Account, PrivacyPreferences
from models.auth import email_is_taken
from models.purposes import ConsentSource, Purpose
from models.tokens import LinkSigner
from privacy import address_confirmation, consent, email_change
from privacy.contact_details import DEFAULT_REGION, ensure_none
from rate_limits import RateLimits

UNCHANGED = object()


async def update_profile(
    limits: RateLimits,
    account: Account,
    *,
    ip: str | None,
    name: str | None | object = UNCHANGED,
    email: str | None | object = UNCHANGED,
    phone: str | None | object = UNCHANGED,
    phone_region: str = DEFAULT_REGION,
) -> Account:
    """Changes only what is given; every value is checked before anything is written.
    The name is public (directory, boards, testimonials): one holding a contact detail
    is refused. The phone is stored in E.164 (`phone_region` for numbers without +)."""
    if email is not UNCHANGED:
        # Counted before the address is checked, so EmailTaken cannot probe addresses.
        await limits.email_change(ip, account.id)
    changes: dict[str, object] = {}
    if name is not UNCHANGED:
        if name is None:
            raise InvalidInput("name", "This cannot be empty.")
        changes["name"] = ensure_none(
            validation.text(name, "name", max_length=200), "name", phone_region
        )
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
        new_phone = validation.phone(phone, region=phone_region)
        # Encryption gives the same number a new ciphertext each time: writing it again
        # (in any writing of it) would look like a change to every partner the person
        # shares with (their sync re-reads it), and tell them when they saved their profile.
        if new_phone != validation.stored_phone(account.phone, region=phone_region):
            changes["phone"] = new_phone
    if name is not UNCHANGED and changes.get("name") == account.name:
        del changes["name"]
    if new_email is not None:
        changes |= email_change.pending_change(new_email)
    if not changes:
        return account
    async with in_transaction():
        account.update_from_dict(changes)
        await account.save(update_fields=list(changes))
        if new_email is not None:
            await enqueue_email_change(account)
    return account


async def confirm_email_change(links: LinkSigner, token: str) -> Account:
    """Applies the address a confirmation link was sent to; the link works once. The
    new address counts as confirmed (double opt-in): the link proves it is the person's."""
    async with in_transaction():
        account = await email_change.account_to_confirm(links, token)
        if await email_is_taken(account.pending_email, except_account_id=account.id):
            raise EmailTakenError()
        old_email = account.email
        account.update_from_dict(
            {
                "email": account.pending_email,
                "pending_email": None,
                "pending_email_nonce": None,
                "pending_email_expires_at": None,
                # A reset link mailed to the replaced address stops working.
                "password_reset_digest": None,
            }
            | address_confirmation.confirmed_now()
        )
        try:
            await account.save()
        except IntegrityError:
            raise EmailTakenError() from None
        # If the change was not the person's doing, the old address is where they hear.
        await enqueue_email_changed_notice(account, old_email)
    return account


async def update_privacy_preferences(
    account: Account, choices: Mapping[Purpose, bool], *, ip: str | None
) -> PrivacyPreferences:
    """The person's own change of some or all choices, recorded in the consent ledger."""
    return await consent.record_choices(account, choices, ConsentSource.SETTINGS, ip)


@dataclass(frozen=True)
class PhoneNormalization:
    checked: int
    normalized: int
    invalid: int


async def normalize_stored_phones(
    region: str, progress: Callable[[int, int], None] | None = None
) -> PhoneNormalization:
    """Numbers stored before they were kept in E.164, rewritten in it (`python main.py
    normalize-phones`): a migration cannot, since they are encrypted with keys only the
    application holds. Each row is read again under a lock, so a change the person makes
    meanwhile is not overwritten. A number libphonenumber finds invalid is left as it is
    and counted: only its owner knows what they meant. Idempotent."""
    ids = await Account.filter(phone__not_isnull=True).values_list("id", flat=True)
    normalized = invalid = 0
    for done, account_id in enumerate(ids, start=1):
        async with in_transaction():
            account = await Account.select_for_update().get_or_none(id=account_id)
            stored = account.phone if account else None
            if stored is not None:
                try:
                    number = validation.phone(stored, region=region)
                except InvalidInput:
                    invalid += 1
                else:
                    if number != stored:
                        await Account.filter(id=account_id).update(phone=number)
                        normalized += 1
        if progress:
            progress(done, len(ids))
    return PhoneNormalization(checked=len(ids), normalized=normalized, invalid=invalid)
