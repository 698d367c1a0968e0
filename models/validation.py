"""Checks on what people type, each failing with the schema's name of the field."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
# Argon2 hashes whatever it is given; a cap keeps a megabyte "password" from costing CPU.
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 320
# Digits and the punctuation people write numbers with; letters (1-800-FLOWERS, "ext")
# and invisible characters are refused rather than guessed at.
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
NOT_A_PHONE = (
    "This is not a valid phone number (one from abroad starts with + and its country code)."
)
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


def phone(value: str | None, field: str = "phone", *, region: str = "US") -> str | None:
    """The number in E.164 (+15125550100), so that one number is one value however it
    was written; an empty value clears it. Parsed and checked by libphonenumber: a
    number written without + is taken to be from `region` (DEFAULT_PHONE_REGION)."""
    if value is None or not value.strip():
        return None
    cleaned = unicodedata.normalize("NFKC", value).strip()
    if not PHONE_PATTERN.match(cleaned):
        raise InvalidInput(field, NOT_A_PHONE)
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(field, NOT_A_PHONE) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(field, NOT_A_PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def stored_phone(stored: str | None, *, region: str = "US") -> str | None:
    """A stored number as `phone` would give it now: numbers saved before E.164 (or
    never valid) compare as they are, so saving the same number again writes nothing."""
    try:
        return phone(stored, region=region)
    except InvalidInput:
        return stored
