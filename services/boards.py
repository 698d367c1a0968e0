"""The public question-and-answer boards of listings: asking, answering, deleting
one's own post, staff removing any post on request, and reading a board. Which posts
show, who may post and what a post may hold are rules of privacy/boards.py."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from models import validation
from models.accounts import Account
from models.audit import AuditAction, AuditEvent
from models.boards import BoardPost, answers_to, first_pages, questions_page
from models.ids import parse_id
from models.pagination import Page, check_page_size
from privacy import boards as rules
from privacy.contact_details import DEFAULT_REGION, RemovedDetail, scrub
from privacy.public_text import normalize
from privacy.viewer import ensure_staff
from rate_limits import RateLimits
from services import listings

ALREADY_ANSWERED = "This question has its answer already; delete it to answer again."


@dataclass(frozen=True)
class PostFields:
    body: str
    acknowledge_public: bool

    def validated(
        self, max_length: int, phone_region: str = DEFAULT_REGION
    ) -> tuple[str, list[RemovedDetail]]:
        """The body as it will be stored (normalized, contact details taken out), and
        what was taken out: for the author's eyes once, never stored."""
        rules.ensure_acknowledged(self.acknowledge_public)
        body = validation.text(normalize(self.body), "body", max_length=max_length, multiline=True)
        return scrub(body, phone_region)


@dataclass(frozen=True)
class Question:
    """A question as the public sees it: who asked (privacy/boards.shown_name) and the
    answer, if one shows."""

    post: BoardPost
    asked_by: str
    answer: BoardPost | None = None


async def first_board_pages(
    listing_ids: list[int], *, first: int, maximum: int, phone_region: str = DEFAULT_REGION
) -> dict[int, Page[Question]]:
    """The first page of each of these listings' boards, as `board` answers it: two
    statements for the lot (a directory page showing boards is not two per listing)."""
    check_page_size(first, maximum)
    pages = await first_pages(listing_ids, rules.publicly_visible(), first)
    question_ids = [post.id for page in pages.values() for post in page.items]
    answers = await answers_to(question_ids, rules.publicly_visible())
    return {
        listing_id: replace(
            page,
            items=[
                Question(
                    post,
                    rules.shown_name(post.author_name or "", phone_region),
                    answers.get(post.id),
                )
                for post in page.items
            ],
        )
        for listing_id, page in pages.items()
    }


async def board(
    listing_id: int,
    *,
    first: int,
    after: str | None,
    maximum: int,
    phone_region: str = DEFAULT_REGION,
) -> Page[Question]:
    """A listing's board, newest question first: visible questions and answers only,
    two statements whatever the page size."""
    page = await questions_page(
        listing_id, rules.publicly_visible(), first=first, after=after, maximum=maximum
    )
    # Answers to the questions that show, so a hidden question hides its answer.
    answers = await answers_to([post.id for post in page.items], rules.publicly_visible())
    items = [
        Question(post, rules.shown_name(post.author_name or "", phone_region), answers.get(post.id))
        for post in page.items
    ]
    return replace(page, items=items)


async def ask(
    author: Account,
    listing_id: str,
    fields: PostFields,
    rate_limits: RateLimits,
    *,
    max_length: int,
    phone_region: str = DEFAULT_REGION,
) -> tuple[Question, list[RemovedDetail]]:
    """A question on a listing in the directory, stored without contact details. The
    rate limit counts first, so that refused attempts count too."""
    await rate_limits.board_post(author.id)
    rules.ensure_may_ask(author)
    body, removed = fields.validated(max_length, phone_region)
    listing = await listings.public_listing(listing_id)
    if listing is None:
        raise NotFoundError("This listing is not in the directory.")
    post = await BoardPost.create(listing_id=listing.id, author_id=author.id, body=body)
    return Question(post, rules.shown_name(author.name, phone_region)), removed


async def answer(
    performer: Account,
    question_id: str,
    fields: PostFields,
    rate_limits: RateLimits,
    *,
    max_length: int,
    phone_region: str = DEFAULT_REGION,
) -> tuple[BoardPost, list[RemovedDetail]]:
    """The listing's performer answers a question that shows on its board, once."""
    await rate_limits.board_post(performer.id)
    body, removed = fields.validated(max_length, phone_region)
    key = parse_id(question_id)
    question = (
        await BoardPost.get_or_none(
            rules.publicly_visible(), id=key, question_id=None
        ).select_related("listing")
        if key
        else None
    )
    if question is None:
        raise NotFoundError("No such question on a listing in the directory.")
    rules.ensure_may_answer(performer, question.listing)
    if await BoardPost.exists(question_id=question.id):
        raise InvalidInput("questionId", ALREADY_ANSWERED)
    try:
        async with in_transaction():
            post = await BoardPost.create(
                listing_id=question.listing_id,
                author_id=performer.id,
                question_id=question.id,
                body=body,
            )
    except IntegrityError:
        # Another answer won the race for the unique column.
        raise InvalidInput("questionId", ALREADY_ANSWERED) from None
    return post, removed


async def _post(post_id: str) -> BoardPost | None:
    key = parse_id(post_id)
    return await BoardPost.get_or_none(id=key) if key else None


async def delete(author: Account, post_id: str) -> int:
    """The author's own post, gone for good (a question with its answer). Someone
    else's post answers as a missing one. Returns the post's id."""
    post = await _post(post_id)
    if post is None or not rules.may_delete(author, post):
        raise NotFoundError("No such post of yours.")
    await post.delete()
    return post.id


async def remove_on_request(staff: Account, post_id: str) -> int:
    """Staff take any post down (a question with its answer) on a request received by
    email or phone, recorded in the audit log with the staff member; the post's text is
    not copied there. Returns the post's id."""
    ensure_staff(staff)
    post = await _post(post_id)
    if post is None:
        raise NotFoundError("No such post.")
    async with in_transaction():
        await post.delete()
        await AuditEvent.create(
            action=AuditAction.BOARD_POST_REMOVED_BY_STAFF,
            actor_id=staff.id,
            subject_id=post.author_id,
            detail={
                "post_id": post.id,
                "listing_id": post.listing_id,
                "kind": "QUESTION" if post.is_question else "ANSWER",
            },
        )
    return post.id
