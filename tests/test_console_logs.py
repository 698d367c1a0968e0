"""Logs a developer reads in a terminal: short coloured lines and one line per request;
JSON lines for machines and in production, whatever the terminal."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from models.retention import RequestLog
from tests.conftest import client_for
from web.logs import chosen_format, configure, operation, request_id
from web.request_log import echo


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_auto_means_text_in_a_terminal_and_json_elsewhere_or_in_production():
    assert chosen_format("auto", production=False, stream=Terminal()) == "text"
    assert chosen_format("auto", production=False, stream=io.StringIO()) == "json"
    assert chosen_format("auto", production=True, stream=Terminal()) == "json"
    # a setting other than auto is taken as it is
    assert chosen_format("json", production=False, stream=Terminal()) == "json"
    assert chosen_format("text", production=True, stream=io.StringIO()) == "text"


def test_a_terminal_line_has_the_time_the_level_in_colour_the_message_and_the_request(
    monkeypatch,
):
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = Terminal()
    assert configure("auto", stream=terminal) == "text"
    token, named = request_id.set("0123456789abcdef"), operation.set("SignIn")
    try:
        logging.getLogger("backline.test").warning("could not mail %s", "ada@example.com")
    finally:
        request_id.reset(token)
        operation.reset(named)
    line = terminal.getvalue().strip()
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d \033\[33mWARN(ING)?\s*\033\[0m could not mail \[email\]  \[01234567\]",
        line,
    ), line


def test_no_colour_when_no_color_is_set_or_the_stream_is_no_terminal(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    configure("text", stream=terminal)
    logging.getLogger("backline.test").error("plain")
    assert "\033[" not in terminal.getvalue() and " ERROR plain" in terminal.getvalue()

    monkeypatch.delenv("NO_COLOR")
    piped = io.StringIO()
    configure("text", stream=piped)
    logging.getLogger("backline.test").error("plain")
    assert "\033[" not in piped.getvalue()


def test_production_writes_json_lines_even_to_a_terminal():
    terminal = Terminal()
    assert configure("auto", production=True, stream=terminal) == "json"
    logging.getLogger("backline.test").info("hello")
    assert json.loads(terminal.getvalue())["message"] == "hello"


class Lines(logging.Handler):
    """What the access logger says (the app's own set-up replaces the root's handlers)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines():
    lines = Lines()
    logging.getLogger("backline.access").addHandler(lines)
    yield lines.lines
    logging.getLogger("backline.access").removeHandler(lines)


async def test_each_request_gets_one_line_without_the_ip_when_asked(settings, access_lines):
    settings.log_requests = True
    async for api in client_for(settings):
        await api.http.get("/healthz")
        await api.data("query Directory { listings(first: 1) { edges { node { id } } } }")
    lines = access_lines
    assert len(lines) == 2, lines
    assert re.fullmatch(r"GET /healthz 200 \d+ ms", lines[0]), lines
    assert re.fullmatch(r"POST /graphql Directory 200 \d+ ms", lines[1]), lines
    # the client's address (203.0.113.9) is only in the request log
    assert not any("203.0.113.9" in line for line in lines)


async def test_no_request_lines_when_turned_off(settings, access_lines):
    settings.log_requests = False
    async for api in client_for(settings):
        await api.http.get("/healthz")
    assert access_lines == []


async def test_request_lines_follow_the_format_when_not_set(settings, access_lines):
    # a test's stderr is no terminal: auto chooses JSON, and JSON lines come without them
    settings.log_requests = None
    async for api in client_for(settings):
        await api.http.get("/healthz")
    assert access_lines == []


async def test_an_operation_name_cannot_forge_a_line_or_drive_the_terminal(settings, access_lines):
    settings.log_requests = True
    forged = "X\n12:00:00 ERROR  admin signed in\u001b[2J"
    async for api in client_for(settings):
        await api.http.post("/graphql", json={"query": "{ categories }", "operationName": forged})
    assert len(access_lines) == 1 and "\n" not in access_lines[0] and "\x1b" not in access_lines[0]
    # and a name that got as far as the log is printed only when it is a GraphQL name
    echo(RequestLog(method="POST", path="/graphql", operation=forged, status=200), 0.001)
    assert access_lines[-1] == "POST /graphql (odd operation name) 200 1 ms"
