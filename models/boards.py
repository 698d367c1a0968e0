"""The public question-and-answer board of each listing: people ask, the listing's
performer answers (one answer per question), everyone reads.

A post is a question (no `question`) or the answer to one. Both are erased with their
author's account (ON DELETE CASCADE), and an answer with its question. Who sees which
posts is a rule of privacy/boards.py, passed in here as SQL predicates.

Database triggers (migration 0015_public_boards) count the listing's `revision` up with
every post written or deleted, so a cached public answer showing the listing's board is
renewed at once (web/public_cache.py, models/public_version.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.expressions import F, Q
from tortoise.models import Model

from models.loaders import newest_each
from models.pagination import Page, encode_cursor, keyset_page

if TYPE_CHECKING:
    from models.accounts import Account
    from models.listings import Listing

BOARD_CURSOR = "board"


class BoardPost(Model):
    id = fields.IntField(primary_key=True)
    listing: fields.ForeignKeyRelation[Listing] = fields.ForeignKeyField(
        "models.Listing", related_name="board_posts", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="board_posts", on_delete=fields.CASCADE
    )
    # None for a question; an answer names its question, and a question has at most one
    # answer (the column is unique). Deleting a question deletes its answer.
    question: fields.OneToOneNullableRelation[BoardPost] = fields.OneToOneField(
        "models.BoardPost", related_name="answer", null=True, on_delete=fields.CASCADE
    )
    # As published: contact details were taken out before it was stored.
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    # Not a column: the author's name, read with a page of questions (questions_page).
    author_name: str | None = None

    class Meta:
        table = "board_post"
        # A board's page walks (listing_id, id); a person's own posts (author_id, id).
        indexes = (("listing_id", "id"), ("author_id", "id"))

    @property
    def is_question(self) -> bool:
        return self.question_id is None


async def questions_page(
    listing_id: int, visible: Q, *, first: int, after: str | None, maximum: int
) -> Page[BoardPost]:
    """The questions on one listing's board that pass `visible`, newest first, each
    with its author's name (and nothing else of the account): one statement, whatever
    the page size."""
    query = BoardPost.filter(visible, listing_id=listing_id, question_id=None).annotate(
        author_name=F("author__name")
    )
    return await keyset_page(query, kind=BOARD_CURSOR, first=first, after=after, maximum=maximum)


async def first_pages(listing_ids: list[int], visible: Q, first: int) -> dict[int, Page[BoardPost]]:
    """The first page of each listing's board (as questions_page without a cursor), for
    a page of listings: one statement for all of them."""
    rows = await newest_each(
        BoardPost, "listing_id", listing_ids, first + 1, visible, Q(question_id=None)
    ).annotate(author_name=F("author__name"))
    by_listing: dict[int, list[BoardPost]] = {listing_id: [] for listing_id in listing_ids}
    for row in rows:
        by_listing[row.listing_id].append(row)
    return {
        listing_id: Page(
            items=found[:first],
            cursors=[encode_cursor(BOARD_CURSOR, row.id) for row in found[:first]],
            has_next_page=len(found) > first,
        )
        for listing_id, found in by_listing.items()
    }


async def answers_to(question_ids: list[int], visible: Q) -> dict[int, BoardPost]:
    """The answer (passing `visible`) of each of these questions that has one: one
    statement for any number of them, none for no questions."""
    if not question_ids:
        return {}
    rows = await BoardPost.filter(visible, question_id__in=question_ids)
    return {row.question_id: row for row in rows}
