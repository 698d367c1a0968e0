"""`Cache-Control: no-store` on every private answer: anything sent with an
Authorization header (it depends on who asks, or sets up who asks next) and every
GraphQL mutation (a new session, a changed account). A shared cache or a browser's
history must never keep them. Public anonymous queries keep their own headers."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.request_state import RequestState


def is_private(scope: Scope) -> bool:
    if "authorization" in Headers(scope=scope):
        return True
    return RequestState(scope).operation_type == "mutation"


class CacheControlMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start" and is_private(scope):
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, marked)
