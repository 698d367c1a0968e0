"""Checks on what people type, each failing with the schema's name of the field."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
# Argon2 hashes whatever it is given; a cap keeps a megabyte "password" from costing CPU.
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 320
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
# Bidirectional overrides and isolates make a name read differently from what it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Line and paragraph separators end a line as surely as a line feed does.
LINE_BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
ALLOWED_IN_MULTILINE = frozenset("\n\t")


def text(
    value: str, field: str, *, max_length: int, required: bool = True, multiline: bool = False
) -> str:
    """A single line unless `multiline`: a name, a title or a subject can reach a mail
    header, where one line break would split it (and stop a mailer that trusts it)."""
    cleaned = value.replace("\r\n", "\n").strip() if multiline else value.strip()
    if required and not cleaned:
        raise InvalidInput(field, "This cannot be empty.")
    if len(cleaned) > max_length:
        raise InvalidInput(field, f"This is longer than {max_length} characters.")
    allowed = ALLOWED_IN_MULTILINE if multiline else frozenset()
    for character in cleaned:
        if character in allowed:
            continue
        if character in BIDI_CONTROLS or (
            unicodedata.category(character) in LINE_BREAKING_CATEGORIES
        ):
            message = (
                "This contains a control character that is not allowed."
                if multiline
                else "This must be one line, without control characters."
            )
            raise InvalidInput(field, message)
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
