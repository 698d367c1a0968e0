"""Audit events are written with one multi-row INSERT (`models.audit.insert_audit_events`):
every column as given, on SQLite and PostgreSQL, chunked under the parameter limits, and
safe under concurrent calls of different sizes on one connection pool.

Why not Tortoise's `bulk_create`: it takes a model's INSERT from a per-process cache keyed
by connection name and table, not by dialect, so a process that opened SQLite as
"default" and later PostgreSQL as "default" sends `VALUES (?,?,...)` to PostgreSQL
("syntax error at or near ','"). The last test runs exactly that sequence."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from models.accounts import Account, Role
from models.audit import (
    MAX_PARAMETERS,
    AccessMethod,
    AuditAction,
    AuditEvent,
    insert_audit_events,
)
from models.policies import policy_in_force
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


async def two_accounts() -> tuple[Account, Account]:
    policy = await policy_in_force(datetime.now(UTC))
    return tuple(
        [
            await Account.create(
                name=f"Audit {n}",
                email=f"audit{n}@example.com",
                password_hash="x",
                role=Role.PERFORMER,
                policy_version_id=policy.id,
            )
            for n in range(2)
        ]
    )


def read(actor: Account, subject: Account, grant_id: int, **overrides) -> AuditEvent:
    values = dict(
        action=AuditAction.CONTACT_READ,
        actor_id=actor.id,
        subject_id=subject.id,
        via=AccessMethod.API_KEY,
        api_key_id=7,
        grant_id=grant_id,
        detail={"inquiry_id": grant_id, "note": "ünïcode, 'quotes', (parens)?"},
    )
    return AuditEvent(**(values | overrides))


async def test_rows_are_written_exactly(settings: Settings, sql_queries) -> None:
    actor, subject = await two_accounts()
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    events = [
        read(actor, subject, 1),
        read(subject, actor, 2, via=AccessMethod.SESSION, api_key_id=None),
        AuditEvent(action=AuditAction.LEGAL_DISCLOSURE, detail={}, recorded_at=when),
    ]
    sql_queries.reset()
    before = datetime.now(UTC)

    assert await insert_audit_events(events) == 3

    inserts = [s for s in sql_queries.statements if s.upper().startswith("INSERT")]
    assert len(inserts) == 1, inserts  # one statement for all three rows
    rows = await AuditEvent.all().order_by("id").values(
        "action", "actor_id", "subject_id", "via", "api_key_id", "grant_id", "detail",
        "recorded_at",
    )  # fmt: skip
    assert [{k: v for k, v in row.items() if k != "recorded_at"} for row in rows] == [
        {
            "action": AuditAction.CONTACT_READ,
            "actor_id": actor.id,
            "subject_id": subject.id,
            "via": AccessMethod.API_KEY,
            "api_key_id": 7,
            "grant_id": 1,
            "detail": {"inquiry_id": 1, "note": "ünïcode, 'quotes', (parens)?"},
        },
        {
            "action": AuditAction.CONTACT_READ,
            "actor_id": subject.id,
            "subject_id": actor.id,
            "via": AccessMethod.SESSION,
            "api_key_id": None,
            "grant_id": 2,
            "detail": {"inquiry_id": 2, "note": "ünïcode, 'quotes', (parens)?"},
        },
        {
            "action": AuditAction.LEGAL_DISCLOSURE,
            "actor_id": None,
            "subject_id": None,
            "via": None,
            "api_key_id": None,
            "grant_id": None,
            "detail": {},
        },
    ]
    # recorded_at: stamped now when not given (auto_now_add), kept when given.
    assert before <= rows[0]["recorded_at"] <= datetime.now(UTC)
    assert rows[2]["recorded_at"] == when
    # The events are read back as the model reads them.
    assert [event.grant_id for event in await AuditEvent.all().order_by("id")] == [1, 2, None]


async def test_nothing_to_write_sends_nothing(settings: Settings, sql_queries) -> None:
    sql_queries.reset()
    assert await insert_audit_events([]) == 0
    assert sql_queries.statements == []


async def test_many_rows_are_chunked_under_the_parameter_limits(
    settings: Settings, sql_queries
) -> None:
    actor, subject = await two_accounts()
    columns = len([f for f in AuditEvent._meta.fields_db_projection if f != "id"])
    per_statement = MAX_PARAMETERS // columns
    count = per_statement * 2 + 5
    sql_queries.reset()

    assert await insert_audit_events(read(actor, subject, n) for n in range(count)) == count

    inserts = [s for s in sql_queries.statements if s.upper().startswith("INSERT")]
    assert len(inserts) == 3
    assert sorted(await AuditEvent.all().values_list("grant_id", flat=True)) == list(range(count))


async def test_concurrent_calls_of_different_sizes_all_succeed(settings: Settings) -> None:
    """What sharedContacts does under load: many requests at once, each writing its own
    page of reads, sharing one pool (PostgreSQL) or one connection (SQLite)."""
    actor, subject = await two_accounts()
    sizes = [1 + (n * 37) % 130 for n in range(64)]  # 1..130: one and two statements
    batches = [
        [read(actor, subject, call * 1000 + n) for n in range(size)]
        for call, size in enumerate(sizes)
    ]

    written = await asyncio.gather(*(insert_audit_events(batch) for batch in batches))

    assert written == sizes
    assert sorted(await AuditEvent.all().values_list("grant_id", flat=True)) == sorted(
        call * 1000 + n for call, size in enumerate(sizes) for n in range(size)
    )


REGRESSION = textwrap.dedent(
    """
    import asyncio, sys, tempfile
    import db
    from models.audit import AuditAction, AuditEvent, insert_audit_events
    from settings import Settings

    async def write(url):
        async with db.database(Settings(database_url=url)):
            if url.startswith("sqlite"):
                await db.apply_migrations(url)
            marker = {"regression": url.split(":")[0]}
            try:
                await AuditEvent.bulk_create([AuditEvent(action=AuditAction.CONTACT_READ)])
                await AuditEvent.create(action=AuditAction.CONTACT_READ)
                print("orm: ok")
            except Exception as error:
                print(f"orm: {error}")
            await insert_audit_events(
                [AuditEvent(action=AuditAction.CONTACT_READ, detail=marker) for _ in range(3)]
            )
            found = [event.id for event in await AuditEvent.all() if event.detail == marker]
            print(f"insert_audit_events: {len(found)} rows")
            await AuditEvent.filter(id__in=found).delete()

    async def main():
        await write(f"sqlite://{tempfile.mkdtemp()}/first.sqlite3")
        await write(sys.argv[1])

    asyncio.run(main())
    """
)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_postgres_after_sqlite_in_one_process(migrated_template: str) -> None:
    """The sequence behind "syntax error at or near ','": SQLite as "default", then
    PostgreSQL as "default", in one interpreter (as bench/run.py counted SQL)."""
    result = subprocess.run(
        [sys.executable, "-c", REGRESSION, POSTGRES_URL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"APP_ENV": "development"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # Our insert works on both, and so do Tortoise's own create and bulk_create, since
    # db.database() empties Tortoise's per-process cache of INSERT statements.
    assert [line for line in lines if line.startswith("insert_audit_events")] == [
        "insert_audit_events: 3 rows",
        "insert_audit_events: 3 rows",
    ], result.stdout
    assert [line for line in lines if line.startswith("orm")] == ["orm: ok", "orm: ok"], (
        result.stdout
    )
    print(result.stdout)
