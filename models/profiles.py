"""Correcting and updating one's own profile."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from errors import EmailTakenError, InvalidInput
from models import validation
from models.accounts import Account
from models.auth import email_is_taken

UNCHANGED = object()


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
    if email is not UNCHANGED:
        if email is None:
            raise InvalidInput("email", "This cannot be empty.")
        changes["email"] = validation.email(email)
        if await email_is_taken(changes["email"], except_account_id=account.id):
            raise EmailTakenError()
    if phone is not UNCHANGED:
        changes["phone"] = validation.phone(phone)
    if not changes:
        return account
    account.update_from_dict(changes)
    try:
        await account.save(update_fields=list(changes))
    except IntegrityError:
        raise EmailTakenError() from None
    return account
