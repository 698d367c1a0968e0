"""Personal data kept out of free text that is stored or logged: log lines (web/logs.py)
and the replies of mail servers kept as an outbox row's last_error (mailers/worker.py).

Only what a pattern recognises can be redacted: email addresses, phone numbers and
bearer tokens. A name looks like any other word, so text that may quote a name (an
exception's message, say) must not be stored at all.

Public free text goes further, before it is stored: privacy/contact_details.py also
finds links, disguised and spelled-out details, and numbers split by invisible
characters or odd separators; the log redaction here is unchanged by it."""

from __future__ import annotations

import re

REDACTIONS = [
    (re.compile(r"\bbl[sk]_[A-Za-z0-9_\-]{10,}"), "[token]"),
    (re.compile(r"(?i)bearer\s+\S+"), "Bearer [token]"),
    # Every character RFC 5322 allows in a local part, since registration accepts them all:
    # a narrower class would leave the start of an address such as o'hara@example.com.
    (re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    # Digits with spaces, dashes or brackets (not dots, so IP addresses and versions stay).
    (re.compile(r"\+?\d[\d ()-]{6,}\d"), "[phone]"),
    (re.compile(r"\b\d{3}\.\d{3}\.\d{4}\b"), "[phone]"),
]


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def mask_email(address: str) -> str:
    """Enough for its owner to recognise an address, too little for anyone else to use
    it: j***@example.com."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"
