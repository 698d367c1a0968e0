"""Personal data kept out of free text that is stored or logged: log lines (web/logs.py)
and the replies of mail servers kept as an outbox row's last_error (mailers/worker.py).

Only what a pattern recognises can be redacted: email addresses, phone numbers and
bearer tokens. A name looks like any other word, so text that may quote a name (an
exception's message, say) must not be stored at all.

Posts on the public boards (privacy/boards.py) go further, before they are stored:
`remove_contact_details` also takes out links and spelled-out or bracketed disguises,
and tells what it took out; the log redaction above is unchanged by it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

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


class ContactKind(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    LINK = "LINK"


@dataclass(frozen=True)
class RemovedDetail:
    kind: ContactKind
    text: str


# Invisible characters that would split an address or a number so that no pattern sees
# it: zero-width space, word joiner, byte order mark, soft hyphen. Joiners (U+200C,
# U+200D) stay: emoji sequences and some scripts need them.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))
_AT_BRACKETED = r"\s*[\[({]\s*(?:at|@)\s*[\])}]\s*"
_DOT_BRACKETED = r"\s*[\[({]\s*(?:dot|\.)\s*[\])}]\s*"
_DOT_WORD = rf"(?:\s+dot\s+|{_DOT_BRACKETED})"
_LABEL = r"[\w-]+"
# Every character RFC 5322 allows in a local part. Each pattern starts only where a run
# of its characters starts (a lookbehind), so a long run costs one scan, not one each.
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]"
# Top-level domains a bare "example.com/contact" is recognised by: a list, so that two
# sentences missing the space between them ("great.Thanks") are left alone.
_TLDS = (
    "com|net|org|info|biz|io|co|me|us|uk|ca|au|nz|ie|de|fr|es|it|nl|be|ch|se|eu|mx|br|in|"
    "app|dev|page|site|online|website|xyz|link|ly|gl|gg|tv|fm|to|ai|shop|store|live|club|"
    "band|music|events|party|art|studio|email|bio"
)
CONTACT_PATTERNS: list[tuple[ContactKind, re.Pattern[str]]] = [
    (
        ContactKind.EMAIL,
        re.compile(
            rf"(?i)(?<!{_LOCAL}){_LOCAL}+\s*@\s*{_LABEL}(?:(?:\s*\.\s*|{_DOT_WORD}){_LABEL})+"
        ),
    ),
    # ada [at] example.com, ada (at) example (dot) com, ada at example dot com; a plain
    # " at " needs a spelled " dot " too, so "meet me at home.Then" stays.
    (
        ContactKind.EMAIL,
        re.compile(
            rf"(?i)(?<![\w.+-])[\w.+-]+"
            rf"(?:{_AT_BRACKETED}{_LABEL}(?:(?:\s*\.\s*|{_DOT_WORD}){_LABEL})+"
            rf"|\s+at\s+{_LABEL}(?:(?:\.|{_DOT_WORD}){_LABEL})*{_DOT_WORD}[a-z]{{2,24}}\b)"
        ),
    ),
    # Links that dial, mail or run something, whatever follows the scheme.
    (ContactKind.LINK, re.compile(r"(?i)\b(?:mailto|tel|sms|javascript|data):[^\s<>\"]+")),
    # A link ends before the punctuation that ends its sentence.
    (ContactKind.LINK, re.compile(r"(?i)\b(?:https?|ftp)://[^\s<>\"]*[^\s<>\".,;:!?)\]}'\"]")),
    (ContactKind.LINK, re.compile(r"(?i)\bwww\.[^\s<>\"]*[^\s<>\".,;:!?)\]}'\"]")),
    (
        ContactKind.LINK,
        re.compile(
            rf"(?i)(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b"
            r"(?:[/?#][^\s<>\"]*[^\s<>\".,;:!?)\]}'\"])?"
        ),
    ),
    # Digits with spaces, dots, dashes, slashes or brackets between them; which runs
    # are numbers is decided by how many digits they hold (_is_phone).
    (
        ContactKind.PHONE,
        re.compile(r"(?<![\w+])(?:\+\s?|\(\s?)?\d(?:[ \t().\-/_*]{0,3}\d){6,}(?!\w)"),
    ),
    # five one two, five five five... (digits and number words mixed, at least seven).
    (
        ContactKind.PHONE,
        re.compile(
            r"(?i)(?<!\w)(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)"
            r"(?:[\s,.\-/]+|(?=\d)|$)){7,}"
        ),
    ),
]
PLACEHOLDERS = {kind: f"[{kind.value.lower()} removed]" for kind in ContactKind}
# Dashes and full stops of other scripts, which phones and keyboards type on their own
# (512–555–0100, ada@example。com): matched as their ASCII kin, one character for one,
# so that the stored text keeps the person's own punctuation everywhere else.
SEPARATORS = {
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-"),
    **dict.fromkeys(map(ord, "\u3002\uff61\u2024\ufe52"), "."),
}
STRIPPED = " ,.-/" + "".join(chr(code) for code in SEPARATORS)
NUMBER_WORD = re.compile(r"(?i)[a-z]")


def _is_phone(found: str) -> bool:
    """International numbers (+ or 00) have 8 to 15 digits; others 9 (national numbers
    such as 612 345 678) to 15, so that dates (2031-06-14: 8 digits) and small numbers
    stay. A spelled-out run counts when
    it has at least one word in it (plain digit runs are the first pattern's to judge)."""
    digits = sum(character.isdigit() for character in found)
    if NUMBER_WORD.search(found):
        return True
    international = found.startswith(("+", "00"))
    return (8 if international else 9) <= digits <= 15


def normalize(text: str) -> str:
    """NFKC (full-width ＠ and digits become @ and digits) without invisible characters:
    the form a post is checked and stored in."""
    return unicodedata.normalize("NFKC", text).translate(INVISIBLE)


def remove_contact_details(text: str) -> tuple[str, list[RemovedDetail]]:
    """The text (normalized) with every email address, phone number and link replaced
    by a placeholder ("[email removed]"), and what was removed: addresses first, then
    links, then numbers, each in the order of the text."""
    removed: list[RemovedDetail] = []
    text = normalize(text)
    for kind, pattern in CONTACT_PATTERNS:
        # The patterns read the ASCII shadow; cuts are made in the text at the same places.
        shadow, kept, last = text.translate(SEPARATORS), [], 0
        for match in pattern.finditer(shadow):
            original = text[match.start() : match.end()]
            found = original.strip(STRIPPED)
            if kind == ContactKind.PHONE and not _is_phone(found):
                continue
            removed.append(RemovedDetail(kind, found))
            at = match.start() + original.find(found)
            kept += [text[last:at], PLACEHOLDERS[kind]]
            last = at + len(found)
        text = "".join([*kept, text[last:]])
    return text, removed
