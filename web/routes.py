"""What a request is called in the request log and the metrics: the route it matched,
never its path. Paths carry secrets (one-time link tokens) and are chosen by the client,
so they would leak the one and let the other grow without bound."""

from __future__ import annotations

import re

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Scope

UNMATCHED = "(unmatched)"
MAX_SEGMENTS = 4
# A word a person would type (robots.txt, wp-login.php); a token has digits or capitals.
PLAIN_SEGMENT = re.compile(r"[a-z][a-z._-]{0,31}\Z")


def route_template(scope: Scope) -> str | None:
    """`/unsubscribe/{token}` for `/unsubscribe/WzEs…`; None when no route matches."""
    route = scope.get("route") or _matching_route(scope)
    if isinstance(route, Mount):
        return route.path + "/{path}"
    return getattr(route, "path", None)


def _matching_route(scope: Scope) -> BaseRoute | None:
    # The router records its match in the scope, but a response sent before routing
    # (a body over the limit, a cached answer) never reached it.
    for route in getattr(scope.get("app"), "routes", ()):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            return route
    return None


def loggable_path(scope: Scope) -> str:
    """The route template, or for an unknown path its plain words only."""
    template = route_template(scope)
    if template is not None:
        return template
    segments = scope["path"].split("/")[1:]
    kept = [s if not s or PLAIN_SEGMENT.match(s) else "{segment}" for s in segments[:MAX_SEGMENTS]]
    if len(segments) > MAX_SEGMENTS:
        kept.append("…")
    return "/" + "/".join(kept)
