"""The request log: "log files link IPs to users". Each HTTP request records its time,
IP, user agent, account (if signed in), method, path, GraphQL operation name and
status; never a body, a query string, a token or a password. The path is the route's
template (`/unsubscribe/{token}`), since link tokens travel in paths. Purged after
LOG_RETENTION_DAYS by `python main.py purge`.

Lines are written in batches (one INSERT for many requests), at most
REQUEST_LOG_FLUSH_SECONDS after their request, and at shutdown: a write per request
would cost more than the request itself. While the database is away the lines wait in
memory (the newest MAX_KEPT) and are written when it answers again.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import db
from models.retention import RequestLog
from schema.request_state import RequestState
from web.routes import loggable_path

log = logging.getLogger("backline.requests")
# One line per request, when asked for (LOG_REQUESTS): what a developer watches scroll by.
access = logging.getLogger("backline.access")
GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
OPERATION_NAME_LENGTH = 100
MAX_BUFFERED = 500
MAX_KEPT = 10_000  # lines kept while the database is away
RETRY_SECONDS = 1.0


class RequestLogBuffer:
    def __init__(self, flush_seconds: float) -> None:
        self.flush_seconds = flush_seconds
        self.pending: list[RequestLog] = []
        self.last_flush = time.monotonic()
        self.retry_at = 0.0

    async def add(self, entry: RequestLog) -> None:
        self.pending.append(entry)
        now = time.monotonic()
        due = now - self.last_flush >= self.flush_seconds
        if (due or len(self.pending) >= MAX_BUFFERED) and now >= self.retry_at:
            await self.flush()

    async def close(self) -> None:
        """At shutdown: the last lines. What the database cannot take now is lost, and
        the log says how much."""
        await self.flush()
        if self.pending:
            log.warning("request log: %d line(s) not written at shutdown", len(self.pending))

    async def flush(self) -> None:
        entries, self.pending = self.pending, []
        self.last_flush = time.monotonic()
        if not entries:
            return
        try:
            await RequestLog.bulk_create(entries)
        except Exception as error:  # a lost log line must never fail the request it describes
            reason = db.unavailable(error)
            if reason is None:
                log.exception("could not write %d request log lines", len(entries))
                return
            self.pending = (entries + self.pending)[-MAX_KEPT:]
            self.retry_at = time.monotonic() + max(self.flush_seconds, RETRY_SECONDS)
            log.warning("request log: database %s; %d line(s) wait", reason, len(self.pending))


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, *, buffer: RequestLogBuffer, echo: bool = False) -> None:
        self.app = app
        self.buffer = buffer
        self.echo = echo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, record_status)
        finally:
            line = entry(scope, status[0] if status else None)
            await self.buffer.add(line)
            if self.echo:
                echo(line, time.perf_counter() - started)


def echo(line: RequestLog, seconds: float) -> None:
    """The request as the request log has it, without the IP and the user agent."""
    # The client names the operation: only a GraphQL name is printed, so that a line
    # break or a terminal's escape sequence in it cannot forge a line.
    valid = line.operation and GRAPHQL_NAME.fullmatch(line.operation)
    operation = (
        f" {line.operation}" if valid else (" (odd operation name)" if line.operation else "")
    )
    status = line.status if line.status is not None else "(no answer)"
    access.info("%s %s%s %s %.0f ms", line.method, line.path, operation, status, seconds * 1000)


def entry(scope: Scope, status: int | None) -> RequestLog:
    state = RequestState(scope)
    viewer = state.viewer
    client = scope.get("client")
    operation = state.operation_name
    return RequestLog(
        occurred_at=datetime.now(UTC),
        ip=client[0] if client else None,
        user_agent=(Headers(scope=scope).get("user-agent") or "")[:300] or None,
        account_id=viewer.account.id if viewer and viewer.account else None,
        method=scope["method"][:10],
        path=loggable_path(scope)[:200],
        operation=operation[:OPERATION_NAME_LENGTH] if operation else None,
        status=status,
    )
