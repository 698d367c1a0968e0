"""Contact details kept out of public free text: the one filter for every field the
public reads (board posts, names as shown, listings, testimonials), and for messages
exchanged before a booking.

    scrub(text, region) -> (text, removed)   each detail replaced by "[phone removed]"
                                              and the like; `removed` says what, in order
    ensure_none(text, field, region) -> text  or InvalidInput naming the field and the
                                              kinds found (nothing is changed)
    public_name(name, region) -> str          a name as the public may see it

What it finds: email addresses (also spaced, bracketed or spelled out: "ada [at] example
[dot] com"), links (URLs, `www.`, dialling or script schemes, bare domains of common
top-level domains), and phone numbers: runs of digits with separators between them
(spaces, dots, dashes, slashes, brackets, and any other punctuation or symbol such as
| : ~ · # or x and + between digits), spelled-out runs ("five one two ..."), and
whatever libphonenumber's matcher (`phonenumbers`, leniency VALID, the deployment's
DEFAULT_PHONE_REGION for numbers written without +) recognises. Everything is looked for
in the text's skeleton (privacy/public_text.py): NFKC, without the characters that show
nothing (format characters, variation selectors, tags, combining marks). Dates (ISO and
day.month.year), clock times and lists of years are not numbers, so "on 2026-12-06 at
19:30" stays.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

from errors import InvalidInput
from privacy.public_text import clean, normalize, skeleton

# DEFAULT_PHONE_REGION's default (settings.py): where a number written without + is from.
DEFAULT_REGION = "US"


class ContactKind(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    LINK = "LINK"


@dataclass(frozen=True)
class RemovedDetail:
    kind: ContactKind
    text: str


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
_LINK_END = r"[^\s<>\".,;:!?)\]}'\"]"
PATTERNS: dict[ContactKind, list[re.Pattern[str]]] = {
    ContactKind.EMAIL: [
        re.compile(
            rf"(?i)(?<!{_LOCAL}){_LOCAL}+\s*@\s*{_LABEL}(?:(?:\s*\.\s*|{_DOT_WORD}){_LABEL})+"
        ),
        # ada [at] example.com, ada (at) example (dot) com, ada at example dot com; a
        # plain " at " needs a spelled " dot " too, so "meet me at home.Then" stays.
        re.compile(
            rf"(?i)(?<![\w.+-])[\w.+-]+"
            rf"(?:{_AT_BRACKETED}{_LABEL}(?:(?:\s*\.\s*|{_DOT_WORD}){_LABEL})+"
            rf"|\s+at\s+{_LABEL}(?:(?:\.|{_DOT_WORD}){_LABEL})*{_DOT_WORD}[a-z]{{2,24}}\b)"
        ),
    ],
    ContactKind.LINK: [
        # Links that dial, mail or run something, whatever follows the scheme.
        re.compile(r"(?i)\b(?:mailto|tel|sms|javascript|data):[^\s<>\"]+"),
        # A link ends before the punctuation that ends its sentence.
        re.compile(rf"(?i)\b(?:https?|ftp)://[^\s<>\"]*{_LINK_END}"),
        re.compile(rf"(?i)\bwww\.[^\s<>\"]*{_LINK_END}"),
        re.compile(
            rf"(?i)(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b"
            rf"(?:[/?#][^\s<>\"]*{_LINK_END})?"
        ),
    ],
}
# Digits with separators between them (see _dialled); which runs are numbers is decided
# by how many digits they hold (_is_phone).
PHONE_DIGITS = re.compile(r"(?<![\w+])(?:\+\s?|\(\s?)?\d(?:[ \t().\-/_*]{0,3}\d){6,}(?!\w)")
# five one two, five five five... (digits and number words mixed, at least seven).
PHONE_WORDS = re.compile(
    r"(?i)(?<!\w)(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)"
    r"(?:[\s,.\-/]+|(?=\d)|$)){7,}"
)
PLACEHOLDERS = {kind: f"[{kind.value.lower()} removed]" for kind in ContactKind}
# Dashes and full stops of other scripts, which phones and keyboards type on their own
# (512–555–0100, ada@example。com): matched as their ASCII kin, one character for one.
SEPARATORS = {
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-"),
    **dict.fromkeys(map(ord, "\u3002\uff61\u2024\ufe52"), "."),
}
STRIPPED = " \t\n,.-/"
NUMBER_WORD = re.compile(r"(?i)[a-z]")
# Read as themselves in a number: what PHONE_DIGITS allows between digits, and + in front.
DIAL_PUNCTUATION = frozenset(" \t().-/_*+")
# Never a separator inside a number: they end list items, sentences and amounts
# ("150, 300, 450"; "10% 20%"); currency signs (category Sc) neither.
NOT_SEPARATORS = frozenset(",;!?%\n\r")
# x, × and + between digits (with a space either side at most), a comma right between
# digits: "512x555x0100", "512 + 555 + 0100", "512,555,0100".
BETWEEN_DIGITS = re.compile(r"(?<=\d)( ?)[xX×+]( ?)(?=\d)|(?<=\d),(?=\d)")
# A date (2026-12-06, 2026/12/06, 06.12.2026, 12/6/2026) or a clock time (19:30, 7:05:00)
# is not part of a number: masked before numbers are looked for.
DATE = re.compile(
    r"(?<!\d)(?<!\d[-/.])"
    r"(?:(?:19|20)\d\d([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|[12]\d|3[01])\2(?:19|20)\d\d)"
    r"(?!\d|[-/.]\d)"
)
TIME = re.compile(r"(?<!\d)(?<!\d:)(?:[01]?\d|2[0-4]):[0-5]\d(?::[0-5]\d)?(?!\d|:\d)")
YEAR = re.compile(r"(?:19|20)\d\d")


def _as_separator(character: str) -> str:
    if character.isalnum() or character in DIAL_PUNCTUATION or character in NOT_SEPARATORS:
        return character
    category = unicodedata.category(character)
    if category[0] in "PSZ" and category != "Sc":
        return "-"
    return character


def _dialled(shadow: str) -> str:
    """The text as the number patterns read it, one character for one: dates and times
    masked, every other separator between digit groups (| : ~ · # x + …) read as "-"."""
    for pattern in (DATE, TIME):
        shadow = pattern.sub(lambda match: "T" * len(match[0]), shadow)
    shadow = BETWEEN_DIGITS.sub(lambda match: f"{match[1] or ''}-{match[2] or ''}", shadow)
    return "".join(map(_as_separator, shadow))


def _is_phone(found: str, spelled: bool = False) -> bool:
    """International numbers (+ or 00) have at least 8 digits; others 9 (national
    numbers such as 612 345 678), so that dates (2031-06-14: 8 digits) and small numbers
    stay. More than 15 (E.164's most) is still one: two numbers in a row, or a number
    with digits put after it. A list of years ("2019 2020 2021") is not a number. A
    spelled-out run counts when it has at least one word in it, or is digits said one
    by one ("5, 1, 2, ..."); other lists ("150, 300, 450") are not numbers."""
    if NUMBER_WORD.search(found):
        return True
    groups = re.findall(r"\d+", found)
    if spelled and any(len(group) > 1 for group in groups):
        return False
    if len(groups) > 1 and all(YEAR.fullmatch(group) for group in groups):
        return False
    digits = sum(len(group) for group in groups)
    international = found.startswith(("+", "00"))
    return digits >= (8 if international else 9)


def _trimmed(shadow: str, start: int, end: int) -> tuple[int, int]:
    while start < end and shadow[start] in STRIPPED:
        start += 1
    while end > start and shadow[end - 1] in STRIPPED:
        end -= 1
    return start, end


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(span for span in spans if span[0] < span[1]):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# A run of separators between digit groups reads as one ("512     555     0100" shows as
# "512 555 0100" wherever whitespace collapses). Line breaks join too, but only for
# libphonenumber's matcher, which knows real numbering plans: a list of amounts on
# separate lines is not a number.
HORIZONTAL_RUN = re.compile(r"(?<=\d)[ \t().\-/_*]{2,}(?=[\d(])")
ANY_RUN = re.compile(r"(?<=\d)[ \t().\-/_*\n\r]*[\n\r][ \t().\-/_*\n\r]*(?=[\d(+])")


def _collapsed(text: str, run: re.Pattern[str]) -> tuple[str, list[int]]:
    """`text` with each run of separators as one space, and where each character of the
    result was in `text` (so that a span found in it maps back)."""
    pieces, where, last = [], [], 0
    for match in run.finditer(text):
        pieces.append(text[last : match.start()] + " ")
        where += [*range(last, match.start()), match.start()]
        last = match.end()
    pieces.append(text[last:])
    where += list(range(last, len(text)))
    return "".join(pieces), where


def _found_in(text: str, region: str, patterns: bool) -> list[tuple[int, int]]:
    spans = []
    for pattern in (PHONE_DIGITS, PHONE_WORDS) if patterns else ():
        for match in pattern.finditer(text):
            start, end = _trimmed(text, match.start(), match.end())
            if start < end and _is_phone(text[start:end], spelled=pattern is PHONE_WORDS):
                spans.append((start, end))
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    return spans + [_trimmed(text, match.start, match.end) for match in matcher]


def _phone_spans(shadow: str, region: str) -> list[tuple[int, int]]:
    dialled = _dialled(shadow)
    spans = _found_in(dialled, region, patterns=True)
    for run, patterns in ((HORIZONTAL_RUN, True), (ANY_RUN, False)):
        text, where = _collapsed(dialled, run)
        if text != dialled:
            spans += [
                (where[start], where[end - 1] + 1)
                for start, end in _found_in(text, region, patterns)
                if start < end
            ]
    return _merged(spans)


def _spans(kind: ContactKind, shadow: str, region: str) -> list[tuple[int, int]]:
    if kind == ContactKind.PHONE:
        return _phone_spans(shadow, region)
    return _merged(
        [
            _trimmed(shadow, match.start(), match.end())
            for pattern in PATTERNS[kind]
            for match in pattern.finditer(shadow)
        ]
    )


def scrub(text: str, region: str = DEFAULT_REGION) -> tuple[str, list[RemovedDetail]]:
    """The text (normalized) with every email address, link and phone number replaced by
    a placeholder ("[email removed]"), and what was removed, as it reads without its
    invisible characters: addresses first, then links, then numbers, each in the order
    of the text."""
    removed: list[RemovedDetail] = []
    text = normalize(text)
    for kind in (ContactKind.EMAIL, ContactKind.LINK, ContactKind.PHONE):
        seen = skeleton(text)
        # The patterns read the ASCII shadow; cuts are made in the text at the same places.
        shadow = seen.text.translate(SEPARATORS)
        kept, last = [], 0
        for start, end in _spans(kind, shadow, region):
            removed.append(RemovedDetail(kind, seen.text[start:end]))
            cut_from, cut_to = seen.span_in_original(start, end)
            kept += [text[last:cut_from], PLACEHOLDERS[kind]]
            last = cut_to
        text = "".join([*kept, text[last:]])
    return text, removed


KIND_NAMES = {
    ContactKind.EMAIL: "an email address",
    ContactKind.PHONE: "a phone number",
    ContactKind.LINK: "a link",
}


def ensure_none(text: str, field: str, region: str = DEFAULT_REGION) -> str:
    """`text` as it is stored (without invisible characters, privacy/public_text.clean)
    when it holds no contact detail; otherwise InvalidInput on `field` naming what was
    found, so that the person can rewrite it (nothing is stored)."""
    _, removed = scrub(text, region)
    if removed:
        kinds = list(dict.fromkeys(detail.kind for detail in removed))
        found = " and ".join(KIND_NAMES[kind] for kind in kinds)
        raise InvalidInput(
            field,
            f"This holds {found}: it is shown to the public, so it cannot hold contact "
            "details (email addresses, phone numbers, links).",
        )
    return clean(text)


def public_name(name: str, region: str = DEFAULT_REGION) -> str:
    """A name as the public sees it: without anything in it that reads as a contact
    detail (names are checked when given; this also covers names given before)."""
    cleaned, removed = scrub(name, region)
    return cleaned if removed else name
