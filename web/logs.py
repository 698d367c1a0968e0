"""Logs: one JSON object per line, with the request id and the GraphQL operation of the
request that wrote it, and no personal data: email addresses, phone numbers and bearer
tokens are redacted from every message, whoever logs it (the patterns live in
privacy/redaction.py, shared with the mail worker). In a terminal outside production
(LOG_FORMAT=auto) the same records are short readable lines, coloured by level."""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import uuid
from typing import TextIO

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


def chosen_format(setting: str, *, production: bool, stream: TextIO) -> str:
    """LOG_FORMAT=auto: readable lines for a person at a terminal, JSON for a machine
    (a pipe, a file, a log collector) and always in production."""
    if setting != "auto":
        return setting
    return "text" if stream.isatty() and not production else "json"


# ANSI colours by level; NO_COLOR (no-color.org) or a stream that is no terminal has none.
COLOURS = {"DEBUG": "2", "INFO": "36", "WARNING": "33", "ERROR": "31", "CRITICAL": "1;31"}


class ConsoleFormatter(logging.Formatter):
    """`12:04:05 INFO  message  [request id]`: the time of day, the level, the message,
    and the request's id (shortened) when a request wrote it."""

    def __init__(self, colour: bool) -> None:
        super().__init__(datefmt="%H:%M:%S")
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        level = f"{record.levelname:<5}"
        if self.colour:
            level = f"\033[{COLOURS.get(record.levelname, '0')}m{level}\033[0m"
        line = f"{self.formatTime(record, self.datefmt)} {level} {record.getMessage()}"
        request = getattr(record, "request_id", None)
        if request:
            line += f"  [{request[:8]}]"
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


def configure(
    log_format: str = "json",
    *,
    production: bool = False,
    level: int = logging.INFO,
    stream: TextIO | None = None,
) -> str:
    """Sends every log record to `stream` (stderr) in `log_format` (json, text or auto);
    answers the format chosen."""
    stream = stream or sys.stderr
    chosen = chosen_format(log_format, production=production, stream=stream)
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)
    handler.addFilter(RedactAndTag())
    if chosen == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(operation)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        colour = stream.isatty() and not os.environ.get("NO_COLOR")
        handler.setFormatter(ConsoleFormatter(colour))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    return chosen


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
