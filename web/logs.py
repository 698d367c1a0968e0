"""Structured logs: one JSON object per line, with the request id and the GraphQL
operation of the request that wrote it, and no personal data: email addresses,
phone numbers and bearer tokens are redacted from every message, whoever logs it
(the patterns live in privacy/redaction.py, shared with the mail worker)."""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from privacy.redaction import redact
from schema.request_state import operation

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RedactAndTag(logging.Filter):
    """Adds the request id and GraphQL operation, and redacts personal data from the
    message and the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.operation = operation.get()
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure(json_format: bool = True, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.addFilter(RedactAndTag())
    if json_format:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(operation)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class RequestIdMiddleware:
    """Each request gets an id (a sane X-Request-ID from the proxy, or a new one),
    in every log line it causes and in the X-Request-ID response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        current = given if VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(current)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = current
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            request_id.reset(token)
