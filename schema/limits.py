"""Limits on what one GraphQL document may ask, and the production switches.

Depth, aliases and tokens use strawberry's own extensions; strawberry has no directive
limit, so MaxDirectives is a small validation rule. Each limit is a setting.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from graphql import DirectiveNode, GraphQLError, ValidationContext, ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from errors import BadUserInput, DomainError
from settings import Settings

SUGGESTION = re.compile(r"\s*Did you mean .*\?$")


def max_directives_rule(limit: int) -> type[ValidationRule]:
    class MaxDirectives(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            self.count += 1
            if self.count == limit + 1:
                self.report_error(
                    GraphQLError(f"'{limit}' directives at most in one document.", node)
                )

    return MaxDirectives


def is_unexpected(error: GraphQLError) -> bool:
    """A bug rather than a bad request: an exception our code did not mean to raise."""
    original = error.original_error
    return original is not None and not isinstance(
        original, (GraphQLError, BadUserInput, DomainError)
    )


class MaskUnexpectedErrors(MaskErrors):
    """Production hides what went wrong inside, but keeps the code clients read."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


class NoSuggestions(SchemaExtension):
    """No "Did you mean …?" in production, for fields, arguments, types and enum
    values alike: the schema is not for guessing."""

    def on_operation(self):
        yield
        result = self.execution_context.result
        for error in (result.errors if result else None) or ():
            error.message = SUGGESTION.sub("", error.message)


def limit_extensions(settings: Settings) -> list[Any]:
    """Extension factories: strawberry builds a fresh one for every request."""
    # The rules are built once: the validation cache keys on them, and a fresh rule
    # class per request would make every lookup a miss.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        max_directives_rule(settings.max_directives),
    ]
    extensions: list[Any] = [
        # Parsing and validating a document costs more than most resolvers: a client
        # sends the same few documents again and again. The schema never changes while
        # a process runs, so a per-process cache stays correct with many workers.
        partial(ParserCache, maxsize=settings.document_cache_size),
        partial(ValidationCache, maxsize=settings.document_cache_size),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(AddValidationRules, rules),
    ]
    if settings.is_production:
        extensions += [
            DisableIntrospection,
            NoSuggestions,
            partial(MaskUnexpectedErrors, should_mask_error=is_unexpected),
        ]
    return extensions
