"""IDs as clients send them back: the decimal form we issued, and nothing else.

`str.isdigit()` and `int()` accept far more than that ("²", "١٢", " 1", "+1", "1_000"):
one of them made `int()` raise, another named a row the client never saw. An ID that
is not ours names nothing, so the caller answers "not found" and asks no database.
"""

from __future__ import annotations

import re

# The keys of the tables that clients name by ID are 32-bit integers (IntField); a
# larger number would make PostgreSQL refuse the query instead of finding nothing.
MAX_KEY = 2**31 - 1
# ASCII only (re's [0-9] is), without sign, spaces, underscores or leading zeros.
_ISSUED = re.compile(r"[1-9][0-9]{0,18}")


def parse_id(value: object, *, maximum: int = MAX_KEY) -> int | None:
    """The key an ID names, or None when it cannot be one of ours."""
    if not isinstance(value, str) or _ISSUED.fullmatch(value) is None:
        return None
    key = int(value)
    return key if key <= maximum else None
