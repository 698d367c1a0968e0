"""`extensions.code` on top-level errors, in the vocabulary tools expect.

Expected outcomes are union members; what remains top-level is a malformed request
(GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT), a query too costly
to run (QUERY_TOO_COSTLY) or a bug (INTERNAL_SERVER_ERROR), and clients tell them apart
by this code.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from errors import BadUserInput, NotAuthorizedError, QueryTooCostly


def _tag(errors: list[GraphQLError] | None, code: str) -> None:
    for error in errors or ():
        error.extensions = {"code": code, **(error.extensions or {})}


class ErrorCodes(SchemaExtension):
    # Parse failures are tagged in web/graphql_schema.BacklineSchema.process_errors: the parser
    # cache raises before any parse hook of ours would run.
    def on_validate(self) -> Iterator[None]:
        yield
        _tag(self.execution_context.pre_execution_errors, "GRAPHQL_VALIDATION_FAILED")

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors if result else None) or ():
            if error.extensions and "code" in error.extensions:
                continue
            original = error.original_error
            if isinstance(original, QueryTooCostly):
                # Refused before execution (schema/limits.QueryCost): nothing ran.
                error.extensions = {
                    "code": "QUERY_TOO_COSTLY",
                    "cost": original.cost,
                    "maximumCost": original.maximum,
                }
            elif isinstance(original, BadUserInput):
                error.extensions = {"code": "BAD_USER_INPUT", "argument": original.argument}
            elif isinstance(original, NotAuthorizedError):
                # A query has no error union: a caller who may not ask at all (a key
                # without the scope, a non-staff caller of a staff query) is told here.
                error.extensions = {"code": "FORBIDDEN"}
            elif original is None or isinstance(original, GraphQLError):
                # graphql-core's own input coercion (a variable of the wrong type).
                error.extensions = {"code": "BAD_USER_INPUT", **(error.extensions or {})}
            else:
                error.extensions = {"code": "INTERNAL_SERVER_ERROR"}
