"""The database: Tortoise configuration, connection lifetime and migrations, and which
errors mean the database cannot serve at all (an outage) rather than a failed query."""

from __future__ import annotations

import contextlib
import errno
import socket
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContextPooled
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection, get_connections
from tortoise.context import TortoiseContext
from tortoise.migrations.executor import MigrationExecutor

import encryption
from settings import Settings, get_settings

MODEL_MODULES = [
    "models.policies",
    "models.accounts",
    "models.listings",
    "models.sharing",
    "models.api_keys",
    "models.audit",
    "models.outbox",
    "models.testimonials",
    "models.retention",
    "models.public_version",
    "models.privacy_requests",
    "models.boards",
    "models.webhooks",
    "models.referrals",
    "models.scheduled_jobs",
]
APP_LABEL = "models"


def tortoise_config(database_url: str) -> dict[str, Any]:
    connection: str | dict[str, Any] = database_url
    if database_url.startswith("sqlite://"):
        # Erased rows must not linger in free pages: secure_delete overwrites them.
        connection = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": database_url.removeprefix("sqlite://"),
                "secure_delete": "ON",
                "busy_timeout": 5000,
            },
        }
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # Tortoise's own CLI (`tortoise makemigrations`) reads db.TORTOISE_ORM; computed on
    # access so that importing this module does not read the environment.
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings().database_url)
    raise AttributeError(name)


class _ForgetfulTransaction(TransactionContextPooled):
    """Tortoise's pooled transaction, which also lets go of its connection when the
    database went away under it. Tortoise makes the transaction the task's connection
    before BEGIN and puts the old one back only after releasing the pooled connection,
    so a BEGIN, or a release, that fails on a dead connection leaves the dead transaction
    in place: every later query of that task fails ("connection has been released back
    to the pool"), and a task that lives on (the mail worker, a request writing its log
    line) never recovers."""

    async def __aenter__(self) -> TransactionWrapper:
        try:
            return await super().__aenter__()
        except BaseException:
            await self._let_go()
            raise

    async def __aexit__(self, *exc: object) -> None:
        try:
            await super().__aexit__(*exc)
        except BaseException:
            await self._let_go()
            raise

    async def _let_go(self) -> None:
        token = getattr(self, "token", None)
        if token is not None and not token._used:
            get_connections().reset(token)
        pool, connection = self.client._parent._pool, self.client._connection
        if pool is not None and connection is not None:
            with contextlib.suppress(Exception):  # a dead connection is dropped by the pool
                await pool.release(connection)


def _in_transaction(client: AsyncpgDBClient) -> _ForgetfulTransaction:
    return _ForgetfulTransaction(TransactionWrapper(client), client._pool_init_lock)


AsyncpgDBClient._in_transaction = _in_transaction


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[TortoiseContext]:
    """Connects for the lifetime of the block.

    The global fallback lets requests, which run in other tasks than the lifespan,
    find the connection.
    """
    encryption.configure(settings.fernet_keys())
    # Tortoise caches each model's INSERT and DELETE text per process, keyed by the
    # connection's name and the table but not by dialect: after SQLite as "default", a
    # PostgreSQL "default" would be sent `VALUES (?,?)`. A new connection starts clean.
    EXECUTOR_CACHE.clear()
    context = await Tortoise.init(
        config=tortoise_config(settings.database_url), _enable_global_fallback=True
    )
    try:
        yield context
    finally:
        await context.close_connections()


async def apply_migrations(database_url: str) -> list[str]:
    """Applies every migration not yet applied (inside a `database` block); returns
    the names it applied."""
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)

    apps = tortoise_config(database_url)["apps"]
    await MigrationExecutor(get_connection("default"), apps).migrate(progress=progress)
    return applied


# Why the database cannot serve: each reason is its own sentence to clients (web/outage.py).
UNREACHABLE = "unreachable"  # down, restarting, or the network to it is gone
BUSY = "busy"  # it refuses more connections, or (SQLite) stays locked
FULL = "full"  # no room left on its disk
READ_ONLY = "read-only"  # it (or its file) takes no writes
_CONNECT_ERRNOS = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
# PostgreSQL's SQLSTATEs that are about the server, not the query: class 08 (connection
# lost), 57P01-03 (shut down, crashed, starting up), 53xxx (out of resources), 25006 (a
# standby that only reads).
_POSTGRES_STATES = {
    "57P01": UNREACHABLE,
    "57P02": UNREACHABLE,
    "57P03": UNREACHABLE,
    "53300": BUSY,
    "53100": FULL,
    "25006": READ_ONLY,
}
_SQLITE_ERRORS = {
    "SQLITE_FULL": FULL,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_IOERR": UNREACHABLE,
    "SQLITE_CANTOPEN": UNREACHABLE,
    "SQLITE_BUSY": BUSY,
    "SQLITE_LOCKED": BUSY,
}


class Unavailable(Exception):
    """The database cannot serve now (one of the reasons above): nobody's mistake, and
    over when it returns."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"database {reason}")
        self.reason = reason


def unavailable(error: BaseException | None) -> str | None:
    """The reason the database cannot serve, when `error` or an error it was raised from
    says so; None for every other error (a bad query, a broken constraint, a bug)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        reason = _reason(error)
        if reason is not None:
            return reason
        error = error.__cause__ or error.__context__
    return None


def _reason(error: BaseException) -> str | None:
    if isinstance(error, Unavailable):
        return error.reason
    if isinstance(error, asyncpg.PostgresError):
        state = getattr(error, "sqlstate", None) or ""
        return UNREACHABLE if state.startswith("08") else _POSTGRES_STATES.get(state)
    if isinstance(error, asyncpg.InterfaceError):
        # "connection is closed", "pool is closing": the connection died under the query.
        return UNREACHABLE if "clos" in str(error) else None
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        # "cannot switch to state …; another operation (2) is in progress": the server
        # ended an idle session (shutting down), and its last message left the
        # connection waiting for an answer that never comes.
        return UNREACHABLE if "another operation" in str(error) else None
    if isinstance(error, sqlite3.Error):
        # The primary code of an extended one: SQLITE_IOERR_WRITE is an SQLITE_IOERR.
        family = "_".join((getattr(error, "sqlite_errorname", "") or "").split("_")[:2])
        return _SQLITE_ERRORS.get(family)
    if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror)):
        return UNREACHABLE
    if type(error) is OSError and (
        error.errno in _CONNECT_ERRNOS or "Connect call failed" in str(error)
    ):
        # asyncio's "Multiple exceptions: …" when no address of the host answers.
        return UNREACHABLE
    return None
