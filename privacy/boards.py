"""Message boards: "posts become public information". Each listing in the directory has
a public question-and-answer board; what is posted there anyone may read, so the rules
keep contact details and identities off it.

- Posting needs the author's explicit acknowledgement that the post is public.
- Email addresses, phone numbers and links are taken out before a post is stored
  (privacy/contact_details.scrub); the author is told what was taken out.
- The asker is shown by first name and last initial, never by full name, email or phone.
- A post shows only while its author's account is active and its listing is in the
  directory: an SQL predicate, so hidden posts are never counted in a page. An answer
  shows only under a question that shows (answers are looked up for the questions of a
  page), and goes with its question when that is deleted.
- Authors delete their own posts (anyone else's is NotFound); staff remove any post on
  request (services/boards.py, audited).

The use cases are in services/boards.py.
"""

from __future__ import annotations

from tortoise.expressions import Q

from errors import InvalidInput, NotAuthorizedError
from models.accounts import Account, AccountStatus, Role
from models.boards import BoardPost
from models.listings import Listing
from privacy.contact_details import DEFAULT_REGION, scrub
from privacy.public_text import normalize

# Who may ask: the people of the marketplace, not staff (who act on requests only).
ASKERS = frozenset({Role.CUSTOMER, Role.PERFORMER})


def publicly_visible() -> Q:
    """A post shows while its author's account is active and its listing is publicly
    visible (in the directory, its owner active): cancelling, or the listing leaving the
    directory, takes it out of public view in the same moment."""
    return Q(
        author__status=AccountStatus.ACTIVE,
        # privacy/directory.publicly_visible, seen from the post's listing
        listing__in_directory=True,
        listing__owner__status=AccountStatus.ACTIVE,
    )


def shown_name(name: str, region: str = DEFAULT_REGION) -> str:
    """How the public sees who asked: the first name and the initial of the last
    ("Ada Lovelace" shows "Ada L."), and a one-word name as it is. Anything in it that
    looks like a contact detail is taken out too, invisible characters or not."""
    words = normalize(name).split()
    if not words:
        return ""
    initial = next((character for character in words[-1] if character.isalnum()), "")
    shown = f"{words[0]} {initial.upper()}." if len(words) > 1 and initial else words[0]
    return scrub(shown, region)[0]


def ensure_acknowledged(acknowledged: bool) -> None:
    if acknowledged is not True:
        raise InvalidInput(
            "acknowledgePublic",
            "Posts on a listing's board are public: confirm that everyone may read this.",
        )


def ensure_may_ask(account: Account) -> None:
    if account.role not in ASKERS:
        raise NotAuthorizedError("Only customers and performers ask on the boards.")


def ensure_may_answer(account: Account, listing: Listing) -> None:
    """The listing's performer answers on its board, nobody else."""
    if listing.owner_id != account.id:
        raise NotAuthorizedError("Only the listing's performer answers its questions.")


def may_delete(account: Account, post: BoardPost) -> bool:
    """Its author only (staff remove on request, through their own operation)."""
    return post.author_id == account.id
