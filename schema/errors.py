"""Error types (members of the mutations' result unions), their codes, and the one table
that turns each domain exception (errors.py) into its type wherever a mutation's union
offers it: the handlers are generated from the table."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, ClassVar

import strawberry

import errors
from schema.enums import Purpose


@strawberry.enum(description="What went wrong, for code to branch on (the message is for people).")
class ErrorCode(Enum):
    VALIDATION_FAILED = "VALIDATION_FAILED"
    NOT_AUTHORIZED = "NOT_AUTHORIZED"
    NOT_FOUND = "NOT_FOUND"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 (a code, not a secret)
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    LIMIT_REACHED = "LIMIT_REACHED"


@strawberry.interface
class Error:
    CODE: ClassVar[ErrorCode]
    message: str

    @strawberry.field(description="Machine-readable; one per error type.")
    def code(self) -> ErrorCode:
        return self.CODE


@strawberry.type
class ValidationError(Error):
    CODE = ErrorCode.VALIDATION_FAILED
    field: str | None = strawberry.field(
        default=None,
        description=(
            "The input field at fault, as named in the schema (camelCase), when there is one."
        ),
    )


@strawberry.type
class NotAuthorized(Error):
    CODE = ErrorCode.NOT_AUTHORIZED


@strawberry.type
class NotFound(Error):
    CODE = ErrorCode.NOT_FOUND


@strawberry.type
class ConsentRequired(Error):
    CODE = ErrorCode.CONSENT_REQUIRED
    purpose: Purpose


@strawberry.type
class EmailTaken(Error):
    CODE = ErrorCode.EMAIL_TAKEN


@strawberry.type
class InvalidCredentials(Error):
    CODE = ErrorCode.INVALID_CREDENTIALS


@strawberry.type
class RateLimited(Error):
    CODE = ErrorCode.RATE_LIMITED
    retry_after_seconds: int


@strawberry.type
class InvalidToken(Error):
    CODE = ErrorCode.INVALID_TOKEN


@strawberry.type(description="A move its current state does not allow; nothing changed.")
class InvalidTransition(Error):
    CODE = ErrorCode.INVALID_TRANSITION


@strawberry.type(description="A cap on how many one may have at once; nothing changed.")
class LimitReached(Error):
    CODE = ErrorCode.LIMIT_REACHED
    limit: int


# Each domain exception, its GraphQL type, and what of the exception the type shows.
ERROR_TYPES: tuple[tuple[type[errors.DomainError], type[Error], Callable[[Any], dict]], ...] = (
    (errors.InvalidInput, ValidationError, lambda e: {"field": e.field}),
    (errors.NotAuthorizedError, NotAuthorized, lambda e: {}),
    (errors.NotFoundError, NotFound, lambda e: {}),
    (errors.ConsentRequiredError, ConsentRequired, lambda e: {"purpose": e.purpose}),
    (errors.EmailTakenError, EmailTaken, lambda e: {}),
    (errors.InvalidCredentialsError, InvalidCredentials, lambda e: {}),
    (errors.InvalidTokenError, InvalidToken, lambda e: {}),
    (
        errors.RateLimitedError,
        RateLimited,
        lambda e: {"retry_after_seconds": e.retry_after_seconds},
    ),
    (errors.InvalidTransitionError, InvalidTransition, lambda e: {}),
    (errors.LimitReachedError, LimitReached, lambda e: {"limit": e.limit}),
)


class _TableHandler(strawberry.ExceptionHandler):
    """Strawberry reads `exception_type` and `error_type` from each generated subclass."""

    shown: ClassVar[Callable[[Any], dict]]

    def handle(self, exception: errors.DomainError, **_: Any) -> Error:
        return self.error_type(message=exception.message, **type(self).shown(exception))


EXCEPTION_HANDLERS = tuple(
    type(
        f"{error_type.__name__}Handler",
        (_TableHandler,),
        {"exception_type": exception, "error_type": error_type, "shown": staticmethod(shown)},
    )()
    for exception, error_type, shown in ERROR_TYPES
)
