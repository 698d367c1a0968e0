"""The forms of public free text: the one stored, and the skeleton contact details are
looked for in (privacy/contact_details.py).

Characters that show nothing can hide a contact detail from a pattern while the reader
sees it whole: "512\u2063555\u20630100" reads as a number. They also make a channel
the reader never sees: tag characters spell ASCII invisibly, variation selectors carry
bytes. So:

- `clean` (every public field, before storing) drops every format character (Unicode
  category Cf) except the joiners (U+200C, U+200D: emoji sequences and some scripts
  need them), the direction marks (U+200E, U+200F, U+061C: mixed-direction text needs
  them) and the bidi controls (left for models/validation.text to refuse with a clear
  error); drops tag characters outside the emoji flags they spell (England, Scotland,
  Wales); keeps a variation selector only right after a character it can vary (one,
  and the ideographic ones after a CJK ideograph only).
- `normalize` is NFKC then `clean`: the form board posts are stored in (full-width
  digits and ＠ become ASCII).
- `skeleton` is what the patterns read: without any format character, variation
  selector, tag, combining mark (Mn, Me: a keycap or a strike-through on a digit is
  still that digit) or invisible filler letter; with `where` mapping each of its
  characters back to the text, so that cuts are made in the text itself and the person's
  own characters stay everywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Kept in stored text: joiners, direction marks, and the bidi controls that
# models/validation.text refuses (dropping them here would hide them from that check).
KEPT_FORMAT = frozenset(
    "\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# A well-formed emoji tag sequence: the black flag, 1 to 6 tag letters or digits, the
# cancel tag. Any other tag character is dropped.
TAGS = re.compile(
    "(\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,6}\U000e007f)"
    "|[\U000e0000-\U000e007f]"
)
# Letters of category Lo that show as nothing (Hangul fillers): Default_Ignorable.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
DROPPED_IN_SKELETON = frozenset({"Cf", "Mn", "Me"})


def _is_variation_selector(character: str) -> bool:
    code = ord(character)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _may_vary(base: str, selector: str) -> bool:
    """Standard and emoji selectors after any visible character; ideographic variation
    selectors (U+E0100 and up) after a CJK ideograph only."""
    if base == "" or base.isspace() or _is_variation_selector(base):
        return False
    if ord(selector) >= 0xE0100:
        return unicodedata.name(base, "").startswith("CJK")
    return unicodedata.category(base) not in DROPPED_IN_SKELETON


def _is_dropped_format(character: str) -> bool:
    """A format character that shows nothing and is not needed: tag characters still
    here are those of a flag (TAGS dropped the others)."""
    if character in KEPT_FORMAT or 0xE0000 <= ord(character) <= 0xE007F:
        return False
    return unicodedata.category(character) == "Cf"


def clean(text: str) -> str:
    """`text` without invisible characters that carry nothing a reader sees."""
    text = TAGS.sub(lambda match: match.group(1) or "", text)
    kept: list[str] = []
    previous = ""
    for character in text:
        if _is_variation_selector(character):
            if _may_vary(previous, character):
                kept.append(character)
            # A second selector on one character varies nothing.
            previous = character
            continue
        if _is_dropped_format(character):
            continue
        kept.append(character)
        previous = character
    return "".join(kept)


def normalize(text: str) -> str:
    """NFKC without invisible characters: the form a board post is checked and stored in."""
    return clean(unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Skeleton:
    text: str
    # where[i]: the index in the original text of the skeleton's character i.
    where: tuple[int, ...]
    length: int

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span of skeleton[start:end], with the invisible characters
        inside it and right after it (a mark on its last digit belongs to it)."""
        until = self.where[end] if end < len(self.where) else self.length
        return self.where[start], until


def _shows_nothing(character: str) -> bool:
    return (
        unicodedata.category(character) in DROPPED_IN_SKELETON
        or _is_variation_selector(character)
        or character in INVISIBLE_LETTERS
    )


def skeleton(text: str) -> Skeleton:
    visible = [
        (index, character) for index, character in enumerate(text) if not _shows_nothing(character)
    ]
    return Skeleton(
        text="".join(character for _, character in visible),
        where=tuple(index for index, _ in visible),
        length=len(text),
    )
