"""Checks on what people type, each failing with the schema's name of the field."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
# Argon2 hashes whatever it is given; a cap keeps a megabyte "password" from costing CPU.
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 320
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


def text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput(field, "This cannot be empty.")
    if len(cleaned) > max_length:
        raise InvalidInput(field, f"This is longer than {max_length} characters.")
    if "\x00" in cleaned:
        raise InvalidInput(field, "This contains a character that is not allowed.")
    return cleaned


def email(value: str, field: str = "email") -> str:
    """Normalised (lower-cased) so that one address can own only one account."""
    if len(value) > MAX_EMAIL_LENGTH:
        raise InvalidInput(field, "This is not a valid email address.")
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput(field, "This is not a valid email address.") from None
    return result.normalized.lower()


def password(value: str, field: str = "password") -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(value) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(field, f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    return value


def phone(value: str | None, field: str = "phone") -> str | None:
    """An empty value clears the number."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if not PHONE_PATTERN.match(cleaned) or sum(ch.isdigit() for ch in cleaned) < 6:
        raise InvalidInput(field, "This is not a valid phone number.")
    return cleaned
