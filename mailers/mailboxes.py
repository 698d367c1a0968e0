"""Addresses as the mail server is given them. An address is stored as the person typed
it (models/validation.email): a domain in Unicode, and possibly a local part in Unicode
("jörg@example.com"), which registration accepts. A Unicode domain has an ASCII form
(IDNA), which every server takes; a Unicode local part has none, so such a mail is sent
with SMTPUTF8 (RFC 6531), its address in UTF-8 in the envelope and in the To header
(RFC 6532). A server without SMTPUTF8 refuses it: mailers/smtp.send says so."""

from __future__ import annotations

from email.utils import formataddr

from email_validator import EmailNotValidError, validate_email


def mailbox(address: str) -> str:
    """The address to send to: its domain in ASCII; the local part as it is."""
    if address.isascii():
        return address
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        # Stored before today's checks: sent as it is, and the server answers for it.
        return address
    if checked.ascii_email:
        return checked.ascii_email
    local, _, _ = address.rpartition("@")
    return f"{local}@{checked.ascii_domain}"


def needs_smtputf8(*addresses: str) -> bool:
    return not all(address.isascii() for address in addresses)


def to_header(name: str, address: str) -> str:
    """The To header's value for the classic (compat32) MIME classes. A UTF-8 address
    cannot be written as an encoded word (RFC 2047 forbids it in an address), so the
    header is handed over as raw bytes (surrogate-escaped), written as they are when the
    message is flattened 8-bit (mailers/compose.as_bytes); the name stays an encoded
    word, which every reader understands."""
    if address.isascii():
        return formataddr((name, address), charset="utf-8")
    # formataddr refuses a non-ASCII address, but its quoting of the name is wanted.
    value = f"{formataddr((name, '@')).removesuffix('<@>')}<{address}>" if name else address
    return value.encode("utf-8").decode("ascii", "surrogateescape")
