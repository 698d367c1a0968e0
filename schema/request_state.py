"""What one layer of a request tells the next, through Starlette's `scope["state"]`,
behind one typed accessor: authentication says who is asking, the GraphQL extension
says which operation ran and how it ended, and the request log, the metrics and the
cache headers read it. Here (not in web/) because both web/ and schema/ use it.

The GraphQL operation is also a context variable, so that every log line written
while the request runs carries it (web/logs.py).
"""

from __future__ import annotations

import contextvars
from typing import Any

from starlette.types import Scope

from models.accounts import PrivacyPreferences
from privacy.viewer import Viewer

operation: contextvars.ContextVar[str | None] = contextvars.ContextVar("operation", default=None)
# The listings (id -> revision) an answer showed, while the public cache is recording
# one: a cached page stays good until one of them changes (web/public_cache.py).
served_listings: contextvars.ContextVar[dict[int, int] | None] = contextvars.ContextVar(
    "served_listings", default=None
)


class RequestState:
    def __init__(self, scope: Scope) -> None:
        self._values: dict[str, Any] = scope.setdefault("state", {})

    @property
    def viewer(self) -> Viewer | None:
        return self._values.get("viewer")

    @viewer.setter
    def viewer(self, viewer: Viewer) -> None:
        self._values["viewer"] = viewer

    @property
    def preferences(self) -> PrivacyPreferences | None:
        """The viewer's current choices, when something before the GraphQL view read
        them already (web/gpc.py): the request's loader starts with them."""
        return self._values.get("preferences")

    @preferences.setter
    def preferences(self, preferences: PrivacyPreferences | None) -> None:
        self._values["preferences"] = preferences

    @property
    def operation_name(self) -> str | None:
        return self._values.get("operation_name")

    @operation_name.setter
    def operation_name(self, name: str | None) -> None:
        self._values["operation_name"] = name

    @property
    def operation_type(self) -> str | None:
        """ "query", "mutation" or "subscription"; None before or without execution."""
        return self._values.get("graphql_operation_type")

    @operation_type.setter
    def operation_type(self, kind: str | None) -> None:
        self._values["graphql_operation_type"] = kind

    @property
    def outcome(self) -> str | None:
        """ "ok" or "error" once a GraphQL operation ran."""
        return self._values.get("graphql_outcome")

    @outcome.setter
    def outcome(self, outcome: str) -> None:
        self._values["graphql_outcome"] = outcome

    @property
    def graphql_response(self) -> Any:
        return self._values.get("graphql_response")

    @graphql_response.setter
    def graphql_response(self, response: Any) -> None:
        self._values["graphql_response"] = response
