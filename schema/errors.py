"""Error types (members of the mutations' result unions) and the handlers that turn
each domain exception into its type."""

from __future__ import annotations

from typing import Any

import strawberry

import errors
from schema.enums import Purpose


@strawberry.interface
class Error:
    message: str


@strawberry.type
class ValidationError(Error):
    field: str | None = strawberry.field(
        default=None,
        description=(
            "The input field at fault, as named in the schema (camelCase), when there is one."
        ),
    )


@strawberry.type
class NotAuthorized(Error):
    pass


@strawberry.type
class NotFound(Error):
    pass


@strawberry.type
class ConsentRequired(Error):
    purpose: Purpose


@strawberry.type
class EmailTaken(Error):
    pass


@strawberry.type
class InvalidCredentials(Error):
    pass


@strawberry.type
class RateLimited(Error):
    retry_after_seconds: int


@strawberry.type
class InvalidToken(Error):
    pass


class InvalidInputHandler(strawberry.ExceptionHandler[errors.InvalidInput, ValidationError]):
    def handle(self, exception: errors.InvalidInput, **_: Any) -> ValidationError:
        return ValidationError(message=exception.message, field=exception.field)


class NotAuthorizedHandler(strawberry.ExceptionHandler[errors.NotAuthorizedError, NotAuthorized]):
    def handle(self, exception: errors.NotAuthorizedError, **_: Any) -> NotAuthorized:
        return NotAuthorized(message=exception.message)


class NotFoundHandler(strawberry.ExceptionHandler[errors.NotFoundError, NotFound]):
    def handle(self, exception: errors.NotFoundError, **_: Any) -> NotFound:
        return NotFound(message=exception.message)


class ConsentRequiredHandler(
    strawberry.ExceptionHandler[errors.ConsentRequiredError, ConsentRequired]
):
    def handle(self, exception: errors.ConsentRequiredError, **_: Any) -> ConsentRequired:
        return ConsentRequired(message=exception.message, purpose=exception.purpose)


class EmailTakenHandler(strawberry.ExceptionHandler[errors.EmailTakenError, EmailTaken]):
    def handle(self, exception: errors.EmailTakenError, **_: Any) -> EmailTaken:
        return EmailTaken(message=exception.message)


class InvalidCredentialsHandler(
    strawberry.ExceptionHandler[errors.InvalidCredentialsError, InvalidCredentials]
):
    def handle(self, exception: errors.InvalidCredentialsError, **_: Any) -> InvalidCredentials:
        return InvalidCredentials(message=exception.message)


class InvalidTokenHandler(strawberry.ExceptionHandler[errors.InvalidTokenError, InvalidToken]):
    def handle(self, exception: errors.InvalidTokenError, **_: Any) -> InvalidToken:
        return InvalidToken(message=exception.message)


class RateLimitedHandler(strawberry.ExceptionHandler[errors.RateLimitedError, RateLimited]):
    def handle(self, exception: errors.RateLimitedError, **_: Any) -> RateLimited:
        return RateLimited(
            message=exception.message, retry_after_seconds=exception.retry_after_seconds
        )


EXCEPTION_HANDLERS = (
    InvalidInputHandler(),
    NotAuthorizedHandler(),
    NotFoundHandler(),
    ConsentRequiredHandler(),
    EmailTakenHandler(),
    InvalidCredentialsHandler(),
    InvalidTokenHandler(),
    RateLimitedHandler(),
)
