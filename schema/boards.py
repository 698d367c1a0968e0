"""The public question-and-answer board of a listing. Everything on it is public, for
everyone to read, so its types carry no contact field: the asker shows by first name
and last initial, and posts are stored with contact details taken out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.boards import BoardPost
from privacy import contact_details
from schema.context import Info
from schema.errors import NotAuthorized, NotFound, RateLimited, ValidationError
from schema.pagination import Connection
from services import boards

PUBLIC = (
    "Public: everyone, signed in or not, can read it. Email addresses, phone numbers and "
    "links are removed before it is stored."
)

ContactDetailKind = strawberry.enum(
    contact_details.ContactKind,
    name="ContactDetailKind",
    description="What kind of contact detail was taken out of a post.",
)


@strawberry.type(
    description="A contact detail taken out of a post before it was stored: shown once, "
    "to the author, in the answer to their post, and never stored."
)
class RemovedContactDetail:
    kind: ContactDetailKind
    text: str = strawberry.field(description="The text that was taken out.")

    @classmethod
    def listed(cls, removed: list[contact_details.RemovedDetail]) -> list[RemovedContactDetail]:
        return [cls(kind=detail.kind, text=detail.text) for detail in removed]


@strawberry.type(description="The answer of the listing's performer. Public.")
class BoardAnswer:
    id: strawberry.ID
    body: str
    answered_at: datetime

    @classmethod
    def from_row(cls, row: BoardPost) -> BoardAnswer:
        return cls(id=strawberry.ID(str(row.id)), body=row.body, answered_at=row.created_at)


@strawberry.type(description="A question on a listing's public board. Public.")
class BoardQuestion:
    id: strawberry.ID
    body: str
    asked_at: datetime
    asked_by: str = strawberry.field(
        description='Who asked, by first name and last initial ("Ada L."); never their '
        "full name, email or phone."
    )
    answer: BoardAnswer | None = strawberry.field(
        description="The performer's answer, if there is one (one per question)."
    )

    @classmethod
    def from_question(cls, question: boards.Question) -> BoardQuestion:
        return cls(
            id=strawberry.ID(str(question.post.id)),
            body=question.post.body,
            asked_at=question.post.created_at,
            asked_by=question.asked_by,
            answer=BoardAnswer.from_row(question.answer) if question.answer else None,
        )


BoardQuestionConnection = Connection[BoardQuestion]


async def board_of(
    info: Info, listing_id: int, first: int, after: str | None
) -> BoardQuestionConnection:
    """The page of `Listing.board`: a first page through the request's loader, so that
    the boards of a whole directory page cost two statements."""
    if after is None:
        page = await info.context.board_first_pages.load((listing_id, first))
    else:
        page = await boards.board(
            listing_id,
            first=first,
            after=after,
            maximum=info.context.settings.max_page_size,
            phone_region=info.context.settings.default_phone_region,
        )
    return BoardQuestionConnection.of(page, BoardQuestion.from_question)


@strawberry.input
class AskQuestionInput:
    listing_id: strawberry.ID
    body: str = strawberry.field(
        description=f"The question. {PUBLIC} At most BOARD_POST_MAX_LENGTH characters "
        "(2000 by default); line breaks and tabs are kept, other control characters refused."
    )
    acknowledge_public: bool = strawberry.field(
        description="Must be true: the asker confirms the question is public, for everyone "
        "to read. False is a ValidationError on this field, and nothing is stored."
    )


@strawberry.input
class AnswerQuestionInput:
    question_id: strawberry.ID
    body: str = strawberry.field(description=f"The answer. {PUBLIC} Same limits as a question.")
    acknowledge_public: bool = strawberry.field(
        description="Must be true: the performer confirms the answer is public, for everyone "
        "to read. False is a ValidationError on this field, and nothing is stored."
    )


@strawberry.type(description="The question as published, and what was taken out of it.")
class QuestionAsked:
    question: BoardQuestion
    removed: list[RemovedContactDetail] = strawberry.field(
        description="Contact details taken out before storing; empty when none were."
    )


@strawberry.type(description="The answer as published, and what was taken out of it.")
class QuestionAnswered:
    answer: BoardAnswer
    removed: list[RemovedContactDetail] = strawberry.field(
        description="Contact details taken out before storing; empty when none were."
    )


@strawberry.type(description="The post is gone, and its answer with it if it was a question.")
class BoardPostDeleted:
    id: strawberry.ID


AskQuestionResult = Annotated[
    QuestionAsked | ValidationError | NotAuthorized | NotFound | RateLimited,
    strawberry.union("AskQuestionResult"),
]
AnswerQuestionResult = Annotated[
    QuestionAnswered | ValidationError | NotAuthorized | NotFound | RateLimited,
    strawberry.union("AnswerQuestionResult"),
]
DeleteBoardPostResult = Annotated[
    BoardPostDeleted | NotAuthorized | NotFound, strawberry.union("DeleteBoardPostResult")
]
