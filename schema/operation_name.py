"""Hands the GraphQL operation name and its outcome to the request log, the metrics
and the log lines of the request (web/request_log.py, web/metrics.py, web/logs.py),
and its type to web/cache_control.py (a mutation's answer is never cached)."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from schema.request_state import RequestState, operation


class RequestFacts(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        state = RequestState(request.scope if request is not None else {})
        state.operation_name = context.operation_name
        operation.set(context.operation_name)
        try:
            state.operation_type = context.operation_type.value
        except RuntimeError:  # no such operation: execution answers with an error
            state.operation_type = None
        yield
        result = context.result
        state.outcome = "error" if result and result.errors else "ok"
