"""Domain failures: one small exception class each.

The rules in privacy/ and models/ raise these; schema/errors.py turns each into the
GraphQL error type of the same name wherever a mutation's result union offers it, so
an expected failure reaches the client as data and the transaction it interrupted
is rolled back.
"""

from __future__ import annotations


class DomainError(Exception):
    message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class InvalidInput(DomainError):
    """An input value breaks a rule; `field` is its name in the schema (camelCase)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotAuthorizedError(DomainError):
    message = "You are not allowed to do this."


class NotFoundError(DomainError):
    message = "Not found."


class EmailTakenError(DomainError):
    message = "An account with this email address already exists."


class InvalidCredentialsError(DomainError):
    # One message for a wrong password and for an unknown address alike.
    message = "The email address or password is not correct."


class ConsentRequiredError(DomainError):
    def __init__(self, purpose: object, message: str | None = None) -> None:
        super().__init__(message or "This needs your consent first.")
        self.purpose = purpose


class InvalidTokenError(DomainError):
    message = "This link or token is not valid."


class RateLimitedError(DomainError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("Too many attempts; try again later.")
        self.retry_after_seconds = retry_after_seconds


class InvalidTransitionError(DomainError):
    """A move its current state does not allow (resolving a closed request)."""

    message = "This cannot be done in its current state."


class LimitReachedError(DomainError):
    """A cap on how many of something one may have at once (not a rate)."""

    def __init__(self, limit: int, message: str | None = None) -> None:
        super().__init__(message or f"You can have at most {limit} of these at once.")
        self.limit = limit


class BadUserInput(Exception):
    """A malformed query argument (bad cursor, page size over the cap): a top-level
    error with extensions.code BAD_USER_INPUT, since connections have no error union."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


class QueryTooCostly(Exception):
    """A document whose estimated size is over MAX_QUERY_COST: refused before anything
    runs, with extensions.code QUERY_TOO_COSTLY."""

    def __init__(self, cost: int, maximum: int) -> None:
        super().__init__(
            f"This query could return about {cost:,} objects; {maximum:,} at most. "
            "Ask for smaller pages (`first`) or fewer nested lists."
        )
        self.cost = cost
        self.maximum = maximum
