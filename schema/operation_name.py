"""Hands the GraphQL operation name to the request log (web/request_log.py)."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension


class OperationNameForLog(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        if request is not None:
            request.scope.setdefault("state", {})["operation_name"] = context.operation_name
        yield
