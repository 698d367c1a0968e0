"""Reading the scenario's database from outside the processes under test: plain SQL
through sqlite3 or asyncpg, one short connection per question, so that the scenario
holds no connection of its own across a fault."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import Counter

import asyncpg

MESSAGE_ID = re.compile(r"<outbox\.(\d+)\.")


async def rows(url: str, sql: str, *args: object) -> list[tuple]:
    if url.startswith("sqlite://"):
        return await asyncio.to_thread(_sqlite_rows, url.removeprefix("sqlite://"), sql, args)
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return [tuple(record) for record in await connection.fetch(_numbered(sql), *args)]
    finally:
        await connection.close()


def _numbered(sql: str) -> str:
    """sqlite3's `?` placeholders as asyncpg's `$1, $2, …`."""
    first, *rest = sql.split("?")
    return first + "".join(f"${n}{part}" for n, part in enumerate(rest, 1))


def _sqlite_rows(path: str, sql: str, args: tuple) -> list[tuple]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


async def value(url: str, sql: str, *args: object) -> object:
    found = await rows(url, sql, *args)
    return found[0][0] if found else None


async def outbox_states(url: str) -> Counter[str]:
    return Counter(
        dict(await rows(url, "SELECT state, COUNT(*) FROM outbound_email GROUP BY state"))
    )


async def unfinished(url: str) -> int:
    return await value(
        url, "SELECT COUNT(*) FROM outbound_email WHERE state IN ('QUEUED', 'SENDING')"
    )


def row_ids(message_ids: Counter[str]) -> Counter[int]:
    """Outbox row id -> times received, from the Message-IDs (mailers/compose.message_id)."""
    found: Counter[int] = Counter()
    for message_id, times in message_ids.items():
        match = MESSAGE_ID.search(message_id)
        if match:
            found[int(match.group(1))] += times
    return found
