"""Disk trouble under SQLite, made with SQLite's own limits on the test's connection (a
page budget for a full disk, query_only for a read-only file): a registration is all or
nothing, the client gets a 503 that says to try later, and the same app writes again
once the trouble is over. Against a real server on a full tmpfs and an immutable file:
`python -m bench.faults --only disk`."""

from __future__ import annotations

import pytest
from tortoise import connections

from tests.conftest import POSTGRES_URL
from tests.test_registration import REGISTER, registration
from web.outage import MESSAGES

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's own pragmas")
TABLES = ("account", "privacy_preferences", "consent_event", "outbound_email", "session")


async def pragma(statement: str) -> int | None:
    _, rows = await connections.get("default").execute_query(f"PRAGMA {statement}")
    return rows[0][0] if rows else None


async def row_counts() -> dict[str, int]:
    counts = {}
    for table in TABLES:
        _, rows = await connections.get("default").execute_query(
            f"SELECT COUNT(*) FROM {table}"  # noqa: S608 (our own table names)
        )
        counts[table] = rows[0][0]
    return counts


async def run_out_of_disk_at(table: str) -> None:
    """The database may not grow any more, and the next row written to `table` needs
    room: SQLite's own pager then fails that INSERT with SQLITE_FULL, at that point of
    whatever transaction wrote it (a temporary trigger, on this connection only, adds a
    large blob to a scratch table with each row)."""
    trigger = (
        f"CREATE TEMP TRIGGER full_at_{table} AFTER INSERT ON main.{table} "  # noqa: S608
        "BEGIN INSERT INTO scratch VALUES (zeroblob(200000)); END;"
    )
    await connections.get("default").execute_script(
        f"CREATE TABLE IF NOT EXISTS scratch (filler BLOB); {trigger}"
    )
    await pragma(f"max_page_count = {await pragma('page_count')}")


@pytest.mark.parametrize("table", TABLES)
async def test_a_full_disk_leaves_nothing_of_a_registration(api, table):
    # given a disk that runs out when a registration writes to `table` (after the rows
    # before it in the same transaction were written)
    before = await row_counts()
    await run_out_of_disk_at(table)
    # when someone registers
    answer = await api.http.post("/graphql", json={"query": REGISTER, "variables": registration()})
    # then they are told to try later, and nothing of the registration is stored
    assert answer.status_code == 503
    assert answer.json()["errors"] == [
        {"message": MESSAGES["full"], "extensions": {"code": "SERVICE_UNAVAILABLE"}}
    ]
    assert await row_counts() == before
    # when there is room again, the same app registers them, every part of it
    await connections.get("default").execute_script(f"DROP TRIGGER full_at_{table}")
    await pragma("max_page_count = 1073741823")
    answer = await api.http.post("/graphql", json={"query": REGISTER, "variables": registration()})
    assert answer.json()["data"]["register"]["__typename"] == "AuthPayload"
    assert await row_counts() == {
        "account": 1,
        "privacy_preferences": 1,
        "consent_event": 4,
        "outbound_email": 1,
        "session": 1,
    }


async def test_a_read_only_database_refuses_writes_with_503_and_still_reads(api):
    # given a database that takes no writes
    await pragma("query_only = ON")
    # when someone registers, and someone reads the directory
    answer = await api.http.post("/graphql", json={"query": REGISTER, "variables": registration()})
    directory = await api.data("{ listings(first: 2) { edges { node { id } } } }")
    # then the write is refused for now, whole, and reads go on
    assert answer.status_code == 503
    assert answer.json()["errors"][0]["message"] == MESSAGES["read-only"]
    assert (await row_counts())["account"] == 0
    assert directory == {"listings": {"edges": []}}
    # when it takes writes again, the same app registers them
    await pragma("query_only = OFF")
    answer = await api.http.post("/graphql", json={"query": REGISTER, "variables": registration()})
    assert answer.json()["data"]["register"]["__typename"] == "AuthPayload"
