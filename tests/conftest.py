"""Fixtures: a real database built by the migrations, the real ASGI app, and a
GraphQL client. SQLite by default; PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import tortoise
from tortoise import connections

import db
from main import create_app
from settings import Settings
from tests.graphql import GraphQLClient
from tests.live_server import LiveServer
from tests.live_server import start as start_live_server
from tests.smtp import Inbox, SmtpServer


async def _create_database(url: str, name: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (the given
    name plus the worker's, made on first use), so that two workers never empty each
    other's tables. Exported, so that the servers and scripts tests start use it too."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base, _, name = url.rpartition("/")
    asyncio.run(_create_database(url, f"{name}_{worker}"))
    os.environ["TEST_DATABASE_URL"] = f"{base}/{name}_{worker}"
    return os.environ["TEST_DATABASE_URL"]


POSTGRES_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL", ""))
MIGRATIONS_TABLE = "tortoise_migrations"
# Kept across tests: each one's one row is made by a migration and only ever counts up.
KEPT_TABLES = (MIGRATIONS_TABLE, "public_version", "sync_clock")
FIRST_POLICY_SQL = importlib.import_module(
    "models.migrations.0002_first_policy_version"
).FIRST_POLICY_SQL


def _settings(database_url: str) -> Settings:
    # Request-log lines are written as each request ends, so tests can read them at once.
    return Settings(
        database_url=database_url,
        app_env="development",
        public_url="http://testserver",
        request_log_flush_seconds=0,
    )


async def _migrate(database_url: str, *, drop_first: bool) -> None:
    async with db.database(_settings(database_url)):
        if drop_first:
            await connections.get("default").execute_script(
                "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
            )
        await db.apply_migrations(database_url)


ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_CACHE = Path(tempfile.gettempdir()) / "backline-test-templates"


def _schema_key() -> str:
    """Names what the migrations build: their files, the models they import, the code
    that applies them, and the versions of Tortoise and SQLite that run them."""
    digest = hashlib.sha256(f"{tortoise.__version__} {sqlite3.sqlite_version}".encode())
    for path in sorted([ROOT / "db.py", *(ROOT / "models").rglob("*.py")]):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def _sqlite_template() -> Path:
    """The migrated SQLite file, built once for the migrations' content and kept between
    test sessions (mutation testing starts hundreds of them; each saves ~2 s). Built
    under a temporary name and renamed, so a session running at the same time never
    reads a half-built template."""
    template = TEMPLATE_CACHE / f"{_schema_key()}.sqlite3"
    if template.exists():
        return template
    TEMPLATE_CACHE.mkdir(parents=True, exist_ok=True)
    building = TEMPLATE_CACHE / f"{template.stem}.{os.getpid()}.building"
    building.unlink(missing_ok=True)
    asyncio.run(_migrate(f"sqlite://{building}", drop_first=False))
    building.chmod(0o444)  # tests copy it; none may change it for the sessions after
    os.replace(building, template)
    return template


@pytest.fixture(scope="session")
def migrated_template() -> str:
    """Every migration applied: what the tests use is what `python main.py migrate`
    builds. On PostgreSQL, once per test run."""
    if POSTGRES_URL:
        asyncio.run(_migrate(POSTGRES_URL, drop_first=True))
        return POSTGRES_URL
    return str(_sqlite_template())


async def _reset_postgres() -> None:
    """Empties every table but restores what the migrations seeded."""
    connection = connections.get("default")
    _, rows = await connection.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> ALL($1::text[])",
        [list(KEPT_TABLES)],
    )
    tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
    await connection.execute_script(
        f"TRUNCATE {tables} RESTART IDENTITY CASCADE; {FIRST_POLICY_SQL};"
    )


@pytest.fixture
async def settings(migrated_template: str, tmp_path: Path) -> AsyncIterator[Settings]:
    """A connected database holding only what the migrations put there."""
    if POSTGRES_URL:
        settings = _settings(POSTGRES_URL)
        async with db.database(settings):
            await _reset_postgres()
            yield settings
        return
    database_file = tmp_path / "test.sqlite3"
    shutil.copyfile(migrated_template, database_file)
    settings = _settings(f"sqlite://{database_file}")
    async with db.database(settings):
        yield settings


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[GraphQLClient]:
    # The database is connected by the fixture above, so the app's lifespan is not run.
    async for client in client_for(settings):
        yield client


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.split(" ", 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            self.statements.append(message)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def sql_queries() -> Iterator[QueryCounter]:
    """Counts the SQL statements Tortoise sends while the test runs."""
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    previous_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    yield counter
    logger.removeHandler(counter)
    logger.setLevel(previous_level)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """Delivery into the loopback server, retrying at once when told to retry."""
    return settings.model_copy(
        update={"smtp_port": smtp_server.port, "mail_retry_base_seconds": 0.0}
    )


@pytest.fixture
def inbox(smtp_server: SmtpServer) -> Inbox:
    return smtp_server.inbox


async def client_for(settings: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


@pytest.fixture
def production_settings(settings: Settings) -> Settings:
    from cryptography.fernet import Fernet

    return Settings(
        **settings.model_dump(exclude={"app_env", "secret_key", "encryption_keys"}),
        app_env="production",
        secret_key="p" * 48,
        encryption_keys=Fernet.generate_key().decode(),
    )


@pytest.fixture
async def production_api(production_settings: Settings) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(production_settings):
        yield client


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()
