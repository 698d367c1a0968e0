"""Limits on what one GraphQL document may ask, and the production switches.

Depth, aliases and tokens use strawberry's own extensions; strawberry has no directive
limit, so MaxDirectives is a small validation rule, and no cost limit, so QueryCost
estimates the size of an answer before anything runs. Each limit is a setting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    KnownDirectivesRule,
    SelectionNode,
    SelectionSetNode,
    UniqueDirectivesPerLocationRule,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
    get_variable_values,
)
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

import db
from errors import BadUserInput, DomainError, QueryTooCostly
from settings import Settings

SUGGESTION = re.compile(r"\s*Did you mean .*\?$")


# Each rule is its own instance; what they share for one document is its context.
DIRECTIVE_ERROR_REPORTED = "_backline_directive_error_reported"


class FirstDirectiveErrorOnly(ValidationRule):
    """One error about directives per document, however many are unknown, repeated or
    too many: otherwise "directive overloading" (graphql-cop) makes the server build,
    and send, one error per directive the client wrote."""

    def report_error(self, error: GraphQLError) -> None:
        if not getattr(self.context, DIRECTIVE_ERROR_REPORTED, False):
            setattr(self.context, DIRECTIVE_ERROR_REPORTED, True)
            super().report_error(error)


class KnownDirectivesOnce(FirstDirectiveErrorOnly, KnownDirectivesRule):
    pass


class UniqueDirectivesOnce(FirstDirectiveErrorOnly, UniqueDirectivesPerLocationRule):
    pass


# graphql-core's rules, and the ones that take their place; module-level classes, so the
# validation cache (which keys on the rules) keeps hitting.
DIRECTIVE_RULES = {
    KnownDirectivesRule: KnownDirectivesOnce,
    UniqueDirectivesPerLocationRule: UniqueDirectivesOnce,
}


def max_directives_rule(limit: int) -> type[ValidationRule]:
    class MaxDirectives(FirstDirectiveErrorOnly):
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
    """A bug rather than a bad request: an exception our code did not mean to raise. A
    database outage is neither: web/outage.py answers it with a 503, so it is not masked."""
    original = error.original_error
    return (
        original is not None
        and not isinstance(original, (GraphQLError, BadUserInput, DomainError, QueryTooCostly))
        and db.unavailable(original) is None
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


class ValidationRules(SchemaExtension):
    """Our rules added to graphql-core's, and some of graphql-core's swapped for ours."""

    def __init__(self, *, add: tuple, replace: dict) -> None:
        self.add = add
        self.replace = replace

    def on_operation(self) -> Iterator[None]:
        rules = self.execution_context.validation_rules
        self.execution_context.validation_rules = (
            *(self.replace.get(rule, rule) for rule in rules),
            *self.add,
        )
        yield


def _is_connection(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= type_.fields.keys()


class CostEstimate:
    """The most objects one operation can answer with: every list counts its size times
    the sizes of the lists above it, summed over all lists (GitHub's node limit). A
    connection counts at its `first` (its default when not given), any other list of
    objects at MAX_LIST_ITEMS, the cap its query applies in SQL. Leaves and
    introspection (small, fixed, and depth limited) count nothing."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: VariableValues,
        *,
        page_size: int,
        list_items: int,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.page_size = page_size
        self.list_items = list_items
        self.fragments = {
            node.name.value: node
            for node in document.definitions
            if isinstance(node, FragmentDefinitionNode)
        }
        # Per selection set and type: a fragment spread at every level must not make
        # the estimate itself take exponential time.
        self.known: dict[tuple[int, str], int] = {}

    @classmethod
    def of(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        raw_variables: dict[str, Any] | None,
        *,
        page_size: int,
        list_items: int,
    ) -> int | None:
        """None when the operation cannot run at all (no such operation, variables of
        the wrong type): execution refuses it without resolving anything."""
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        variables = get_variable_values(
            schema, operation.variable_definitions or (), raw_variables or {}, max_errors=1
        )
        if isinstance(variables, list):
            return None
        root = schema.get_root_type(operation.operation)
        if root is None:
            return None
        estimate = cls(schema, document, variables, page_size=page_size, list_items=list_items)
        return estimate.nodes(operation.selection_set, root)

    def nodes(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> int:
        key = (id(selection_set), parent.name)
        if key not in self.known:
            self.known[key] = sum(
                self._selection(selection, parent)
                for selection in selection_set.selections
                if self._included(selection)
            )
        return self.known[key]

    def _selection(self, node: SelectionNode, parent: GraphQLNamedType) -> int:
        if isinstance(node, FieldNode):
            return self._field(node, parent)
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition
            inner = self.schema.get_type(condition.name.value) if condition else parent
            return self.nodes(node.selection_set, inner or parent)
        fragment = self.fragments[node.name.value]  # a spread: validation found it
        inner = self.schema.get_type(fragment.type_condition.name.value)
        return self.nodes(fragment.selection_set, inner or parent)

    def _field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if node.selection_set is None or name.startswith("__"):
            return 0
        field = parent.fields[name]
        type_ = get_nullable_type(field.type)
        if _is_connection(type_):
            size = counted = self._first(field, node)
        elif is_list_type(type_) and _is_connection(parent):
            size, counted = 1, 0  # a connection's edges: counted with the connection
        elif is_list_type(type_):
            size = counted = self.list_items
        else:
            size, counted = 1, 0
        return counted + size * self.nodes(node.selection_set, get_named_type(field.type))

    def _first(self, field: GraphQLField, node: FieldNode) -> int:
        try:
            first = get_argument_values(field, node, self.variables).get("first")
        except GraphQLError:
            first = None  # the field refuses it when it runs; count the most it could be
        if not isinstance(first, int):
            return self.page_size
        return min(max(first, 0), self.page_size)

    def _included(self, node: SelectionNode) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (skip and skip["if"]) and not (include and not include["if"])


class QueryCost(SchemaExtension):
    """Refuses a document whose answer could be too large before any of it runs: one
    error, QUERY_TOO_COSTLY (tagged in schema/error_codes.py), and not one SQL query."""

    def __init__(self, *, settings: Settings) -> None:
        self.settings = settings

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None and context.graphql_document is not None:
            cost = CostEstimate.of(
                context.schema._schema,
                context.graphql_document,
                context.operation_name,
                context.variables,
                page_size=self.settings.max_page_size,
                list_items=self.settings.max_list_items,
            )
            if cost is not None and cost > self.settings.max_query_cost:
                refusal = QueryTooCostly(cost, self.settings.max_query_cost)
                context.result = GraphQLExecutionResult(
                    data=None, errors=[GraphQLError(str(refusal), original_error=refusal)]
                )
        yield


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
        partial(ValidationRules, add=tuple(rules), replace=DIRECTIVE_RULES),
        partial(QueryCost, settings=settings),
    ]
    if settings.is_production:
        extensions += [
            DisableIntrospection,
            NoSuggestions,
            partial(MaskUnexpectedErrors, should_mask_error=is_unexpected),
        ]
    return extensions
