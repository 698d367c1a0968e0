"""The request log: "log files link IPs to users". Each HTTP request records its time,
IP, user agent, account (if signed in), method, path, GraphQL operation name and
status; never a body, a query string, a token or a password. Purged after
LOG_RETENTION_DAYS by `python main.py purge`."""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.retention import RequestLog

log = logging.getLogger("backline.requests")
OPERATION_NAME_LENGTH = 100


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            await self._record(scope, status[0] if status else None)

    async def _record(self, scope: Scope, status: int | None) -> None:
        state = scope.get("state", {})
        viewer = state.get("viewer")
        client = scope.get("client")
        operation = state.get("operation_name")
        try:
            await RequestLog.create(
                ip=client[0] if client else None,
                user_agent=(Headers(scope=scope).get("user-agent") or "")[:300] or None,
                account_id=viewer.account.id if viewer and viewer.account else None,
                method=scope["method"][:10],
                path=scope["path"][:200],
                operation=operation[:OPERATION_NAME_LENGTH] if operation else None,
                status=status,
            )
        except Exception:  # a lost log line must never fail the request it describes
            log.exception("could not write the request log")
