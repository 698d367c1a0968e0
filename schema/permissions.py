"""Who may run a field at all, declared where the field is declared.

Staff-only reads answer empty to everyone else rather than an error: a query answers
what its caller may see (shared/DESIGN.md), and a tool that fuzzes the schema rightly
counts an authorization error on a query as a fault. The extension decides before the
resolver runs, so no resolver or service below threads a "nobody may see" value
through its pagination. Mutations guard themselves in their service and answer
NotAuthorized through their union.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info


class StaffOnly(FieldExtension):
    """Runs the field for staff signed in with a session; `empty()` for anyone else."""

    def __init__(self, empty: Callable[[], Any]) -> None:
        self.empty = empty

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        if not info.context.viewer.is_staff:
            return self.empty()
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        if not info.context.viewer.is_staff:
            return self.empty()
        return await next_(source, info, **kwargs)
