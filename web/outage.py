"""A database that cannot serve (down, restarting, out of connections, its disk full or
read-only) is a moment of trouble on the server's side, not a bug: every request it
breaks answers 503 with `Retry-After` and one GraphQL error, code SERVICE_UNAVAILABLE,
in place of a 500 and a traceback. The server needs no restart when the database
returns: asyncpg's pool drops the connections the server closed and opens new ones on
the next request. Nothing is retried here: a write that may have reached the database
must not be applied twice, and a read fails again while the database is away.

Which errors mean an outage is db.unavailable's decision. They reach here two ways: raised
through the middleware (authentication, the public cache, the link pages), or caught by
GraphQL execution in a resolver, which the GraphQL view turns back into db.Unavailable
(web/graphql_view.py).
"""

from __future__ import annotations

import logging
import time

from graphql import GraphQLError
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import db

log = logging.getLogger("backline.outage")
CODE = "SERVICE_UNAVAILABLE"
MESSAGES = {
    db.UNREACHABLE: "The service is briefly unavailable: its database cannot be reached. "
    "Please try again in a few seconds.",
    db.BUSY: "The service is busy. Please try again in a few seconds.",
    db.FULL: "The service cannot save changes right now. Please try again later.",
    db.READ_ONLY: "The service cannot save changes right now. Please try again later.",
}
RETRY_AFTER_SECONDS = {db.UNREACHABLE: 5, db.BUSY: 5, db.FULL: 60, db.READ_ONLY: 60}
# One warning per this many seconds and process, with how many requests it refused
# meanwhile: an outage under load must not bury the log.
LOG_EVERY_SECONDS = 10.0


def outage_in(errors: list[GraphQLError] | None) -> db.Unavailable | None:
    """The outage, when one of a GraphQL result's errors is the database's."""
    for error in errors or ():
        reason = db.unavailable(error.original_error)
        if reason is not None:
            outage = db.Unavailable(reason)
            outage.__cause__ = error.original_error
            return outage
    return None


def response_for(reason: str, path: str) -> Response:
    message = MESSAGES.get(reason, MESSAGES[db.UNREACHABLE])
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS.get(reason, 5))}
    if path.rstrip("/").endswith("/graphql"):
        body = {"errors": [{"message": message, "extensions": {"code": CODE}}]}
        return JSONResponse(body, status_code=503, headers=headers)
    return PlainTextResponse(message, status_code=503, headers=headers)


class OutageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.refused = 0
        self.logged_at = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            reason = db.unavailable(error)
            if reason is None or started:
                # A bug stays a 500 with its traceback; a response under way cannot
                # become a 503, and the connection ends.
                raise
            self._note(reason, error)
            await response_for(reason, scope["path"])(scope, receive, send)

    def _note(self, reason: str, error: BaseException) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self.logged_at < LOG_EVERY_SECONDS:
            return
        # The type names the driver's error; no traceback: this is not a bug.
        cause = error.__cause__ or error
        log.warning(
            "database %s (%s): answering 503 (%d request(s) since the last warning)",
            reason,
            type(cause).__name__,
            self.refused,
        )
        self.refused = 0
        self.logged_at = now
