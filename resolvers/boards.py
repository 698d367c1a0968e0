"""The public boards of listings: ask, answer, delete one's own post; staff remove on
request. Reading a board is `Listing.board` (schema/boards.board_of)."""

from __future__ import annotations

import strawberry

from schema.boards import (
    AnswerQuestionInput,
    AnswerQuestionResult,
    AskQuestionInput,
    AskQuestionResult,
    BoardAnswer,
    BoardPostDeleted,
    BoardQuestion,
    DeleteBoardPostResult,
    QuestionAnswered,
    QuestionAsked,
    RemovedContactDetail,
)
from schema.context import Info
from services import boards


async def ask_listing_question(info: Info, input: AskQuestionInput) -> AskQuestionResult:
    """Asks on a listing's public board: the question is public, for everyone to read,
    and stored without email addresses, phone numbers or links (`removed` tells which)."""
    author = info.context.viewer.require_account()
    question, removed = await boards.ask(
        author,
        input.listing_id,
        boards.PostFields(body=input.body, acknowledge_public=input.acknowledge_public),
        info.context.rate_limits,
        max_length=info.context.settings.board_post_max_length,
        phone_region=info.context.settings.default_phone_region,
    )
    return QuestionAsked(
        question=BoardQuestion.from_question(question),
        removed=RemovedContactDetail.listed(removed),
    )


async def answer_listing_question(info: Info, input: AnswerQuestionInput) -> AnswerQuestionResult:
    """The listing's performer answers a question on its board, once: the answer is
    public, for everyone to read, and stored without contact details."""
    performer = info.context.viewer.require_account()
    answer, removed = await boards.answer(
        performer,
        input.question_id,
        boards.PostFields(body=input.body, acknowledge_public=input.acknowledge_public),
        info.context.rate_limits,
        max_length=info.context.settings.board_post_max_length,
        phone_region=info.context.settings.default_phone_region,
    )
    return QuestionAnswered(
        answer=BoardAnswer.from_row(answer), removed=RemovedContactDetail.listed(removed)
    )


async def delete_board_post(info: Info, id: strawberry.ID) -> DeleteBoardPostResult:
    """Deletes one of my posts (a question goes with its answer)."""
    author = info.context.viewer.require_account()
    return BoardPostDeleted(id=strawberry.ID(str(await boards.delete(author, id))))


async def remove_board_post_on_request(info: Info, id: strawberry.ID) -> DeleteBoardPostResult:
    """Staff only: takes any post down on a request received by email or phone (audited)."""
    staff = info.context.viewer.require_staff()
    return BoardPostDeleted(id=strawberry.ID(str(await boards.remove_on_request(staff, id))))
