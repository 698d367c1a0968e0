"""A database that cannot serve is an outage, not a bug (web/outage.py): the API answers
503 with Retry-After and one GraphQL error, code SERVICE_UNAVAILABLE, wherever the
database was needed (authentication, a resolver, a mutation), in development and in
production alike; /readyz answers 503; and the same app serves again as soon as
PostgreSQL is back, with every write it confirmed before."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from cryptography.fernet import Fernet

import db
from bench.faults.database import value
from bench.faults.processes import PrivatePostgres, Unavailable
from main import create_app
from settings import Settings
from tests.conftest import POSTGRES_URL
from tests.smtp import free_port
from tests.test_registration import REGISTER, registration
from web.outage import MESSAGES

DIRECTORY = "{ listings(first: 2) { edges { node { id } } } }"
UNREACHABLE = {
    "errors": [{"message": MESSAGES[db.UNREACHABLE], "extensions": {"code": "SERVICE_UNAVAILABLE"}}]
}


async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app as uvicorn runs it: its lifespan opens (and closes) the database."""
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def nowhere(app_env: str) -> Settings:
    production = {"secret_key": "p" * 48, "encryption_keys": Fernet.generate_key().decode()}
    return Settings(
        database_url=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere",
        app_env=app_env,
        **(production if app_env == "production" else {}),
    )


@pytest.mark.parametrize("app_env", ["development", "production"])
async def test_a_database_that_cannot_be_reached_answers_503_with_one_clear_error(app_env):
    # given an API whose PostgreSQL does not answer
    async for http in serving(nowhere(app_env)):
        # when a query, a signed-in query (authentication reads the session first) and
        # a registration come in
        answers = [
            await http.post("/graphql", json={"query": DIRECTORY}),
            await http.post(
                "/graphql",
                json={"query": "{ me { id } }"},
                headers={"Authorization": "Bearer bls_not-checked-yet"},
            ),
            await http.post("/graphql", json={"query": REGISTER, "variables": registration()}),
        ]
        # then each is a 503 to try again shortly, with the GraphQL error clients read
        for answer in answers:
            assert (answer.status_code, answer.headers["retry-after"]) == (503, "5")
            assert answer.json() == UNREACHABLE
        # and the load balancer is told to look elsewhere, while the process lives
        assert (await http.get("/readyz")).status_code == 503
        assert (await http.get("/healthz")).status_code == 200


@pytest.fixture(params=["api", "production_api"])
def any_api(request):
    return request.getfixturevalue(request.param)


async def test_a_resolver_that_loses_the_database_answers_503_not_a_masked_bug(
    any_api, monkeypatch, caplog
):
    # given a connection that the server closes under the directory's query
    async def closed(**kwargs):
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle")

    monkeypatch.setattr("services.listings.directory_page", closed)
    # when the directory is asked for
    answer = await any_api.http.post("/graphql", json={"query": DIRECTORY})
    # then it is the outage's 503, in production too (not masked as a bug), and the
    # log says what happened in one line, with no traceback
    assert answer.status_code == 503
    assert answer.json() == UNREACHABLE
    assert "database unreachable (ConnectionDoesNotExistError)" in caplog.text
    assert "Traceback" not in caplog.text
    assert "unexpected error" not in caplog.text


async def test_a_bug_is_still_a_bug(api, monkeypatch, caplog):
    caplog.set_level(logging.ERROR)

    async def broken(**kwargs):
        raise RuntimeError("not an outage")

    monkeypatch.setattr("services.listings.directory_page", broken)
    answer = await api.http.post("/graphql", json={"query": DIRECTORY})
    assert answer.status_code == 200
    assert answer.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "unexpected error" in caplog.text


@pytest.fixture(scope="module")
def postgres():
    try:
        server = PrivatePostgres()
    except Unavailable as missing:
        pytest.skip(str(missing))
    with server:
        yield server


@pytest.mark.skipif(
    not POSTGRES_URL,
    reason="Tortoise binds its models to one SQL dialect per process: this runs in the "
    "PostgreSQL pass (and against a real server in test_faults_processes.py)",
)
async def test_the_same_app_serves_again_when_postgresql_returns(postgres):
    # given the API on a PostgreSQL of this test's own, and a person who registered
    settings = Settings(database_url=postgres.url, request_log_flush_seconds=0)
    async for http in serving(settings):
        await db.apply_migrations(postgres.url)
        answer = await http.post("/graphql", json={"query": REGISTER, "variables": registration()})
        token = answer.json()["data"]["register"]["token"]
        me = {"query": "{ me { email } }"}
        signed_in = {"Authorization": f"Bearer {token}"}
        # when PostgreSQL stops
        postgres.stop("fast")
        try:
            # then reads and writes answer 503, and /readyz too
            assert (await http.post("/graphql", json=me, headers=signed_in)).status_code == 503
            bob = registration(email="bob@example.com")
            assert (
                await http.post("/graphql", json={"query": REGISTER, "variables": bob})
            ).json() == UNREACHABLE
            assert (await http.get("/readyz")).status_code == 503
        finally:
            postgres.start()
        # when it is back: the same app, not restarted, serves at once
        assert (await http.get("/readyz")).text == "ready"
        again = await http.post("/graphql", json=me, headers=signed_in)
        assert again.json() == {"data": {"me": {"email": "ada@example.com"}}}
        bob = registration(email="bob@example.com")
        answer = await http.post("/graphql", json={"query": REGISTER, "variables": bob})
        assert answer.json()["data"]["register"]["__typename"] == "AuthPayload"
    # and the request log kept the outage's lines until it could write them
    refused = await value(postgres.url, "SELECT COUNT(*) FROM request_log WHERE status = 503")
    assert refused == 3


def sqlite_error(name: str) -> Exception:
    import sqlite3

    error = sqlite3.OperationalError(name)
    error.sqlite_errorname = name
    return error


def wrapped(cause: Exception) -> Exception:
    """As Tortoise raises it: its own error, raised while handling the driver's."""
    from tortoise.exceptions import OperationalError

    try:
        try:
            raise cause
        except Exception:
            raise OperationalError("wrapped") from None
    except OperationalError as error:
        error.__context__ = cause
        return error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), db.UNREACHABLE),
        (OSError("Multiple exceptions: [Errno 111] Connect call failed"), db.UNREACHABLE),
        (asyncpg.ConnectionDoesNotExistError("closed in the middle"), db.UNREACHABLE),
        (asyncpg.AdminShutdownError("terminating connection"), db.UNREACHABLE),
        (asyncpg.CannotConnectNowError("the database system is starting up"), db.UNREACHABLE),
        (asyncpg.TooManyConnectionsError("too many clients"), db.BUSY),
        (asyncpg.DiskFullError("could not extend file"), db.FULL),
        (asyncpg.ReadOnlySQLTransactionError("read-only transaction"), db.READ_ONLY),
        (asyncpg.InterfaceError("connection is closed"), db.UNREACHABLE),
        (
            asyncpg.exceptions.InternalClientError(
                "cannot switch to state 12; another operation (2) is in progress"
            ),
            db.UNREACHABLE,
        ),
        (wrapped(sqlite_error("SQLITE_FULL")), db.FULL),
        (wrapped(sqlite_error("SQLITE_READONLY_DBMOVED")), db.READ_ONLY),
        (wrapped(sqlite_error("SQLITE_IOERR_WRITE")), db.UNREACHABLE),
        (wrapped(sqlite_error("SQLITE_BUSY")), db.BUSY),
        (db.Unavailable(db.FULL), db.FULL),
        # what is a query's or our own fault stays a bug
        (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), None),
        (asyncpg.UniqueViolationError("duplicate key"), None),
        (
            asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
            None,
        ),
        (wrapped(sqlite_error("SQLITE_CONSTRAINT_UNIQUE")), None),
        (FileNotFoundError(2, "No such file"), None),
        (RuntimeError("a bug"), None),
    ],
)
def test_which_errors_are_the_database_being_away(error, reason):
    assert db.unavailable(error) == reason


@pytest.mark.skipif(not POSTGRES_URL, reason="asyncpg's pooled transactions")
@pytest.mark.parametrize("fails", ["begin", "release"])
async def test_a_transaction_the_database_dropped_does_not_haunt_the_task(
    settings, monkeypatch, fails
):
    from asyncpg.pool import Pool
    from tortoise import connections
    from tortoise.backends.asyncpg.client import TransactionWrapper
    from tortoise.transactions import in_transaction

    from models.accounts import Account

    # given a connection that dies as a transaction begins, or as it is given back
    dropped = asyncpg.ConnectionDoesNotExistError("connection was closed in the middle")
    target, name = (TransactionWrapper, "begin") if fails == "begin" else (Pool, "release")
    original = getattr(target, name)
    calls = 0

    async def dies_once(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise dropped
        return await original(*args, **kwargs)

    monkeypatch.setattr(target, name, dies_once)
    # when a transaction runs into it
    with pytest.raises(asyncpg.ConnectionDoesNotExistError):
        async with in_transaction():
            await Account.all().count()
    # then the task is back on the pool: its next queries work
    assert not isinstance(connections.get("default"), TransactionWrapper)
    assert await Account.all().count() == 0
    async with in_transaction():
        assert await Account.all().count() == 0
