"""Hands the GraphQL operation name and its outcome to the request log, the metrics
and the log lines of the request (web/request_log.py, web/metrics.py, web/logs.py),
and its type to web/cache_control.py (a mutation's answer is never cached)."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from web import logs


class RequestFacts(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        state = request.scope.setdefault("state", {}) if request is not None else {}
        state["operation_name"] = context.operation_name
        logs.operation.set(context.operation_name)
        try:
            state["graphql_operation_type"] = context.operation_type.value
        except RuntimeError:  # no such operation: execution answers with an error
            state["graphql_operation_type"] = None
        yield
        result = context.result
        state["graphql_outcome"] = "error" if result and result.errors else "ok"
