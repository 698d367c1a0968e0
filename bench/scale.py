"""Scale check: the directory query on PostgreSQL with 1,000,000 listings.

    .venv/bin/python bench/scale.py [--listings 1000000]

Fills the `test` database (it is emptied first), then times the first page, a page
deep in the list (through its cursor) and a filtered page, as the app asks for them.
Prints milliseconds per page; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tortoise import connections  # noqa: E402

import db  # noqa: E402
from models.pagination import encode_cursor  # noqa: E402
from services.listings import directory_page  # noqa: E402
from settings import Settings  # noqa: E402

URL = "postgres://postgres@127.0.0.1:5432/test"


async def timed(label: str, runs: int, **query) -> None:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        page = await directory_page(maximum=100, **query)
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"{label}: median {statistics.median(samples):.2f} ms, "
        f"p95 {sorted(samples)[int(runs * 0.95) - 1]:.2f} ms ({len(page.items)} listings)"
    )


async def main(args: argparse.Namespace) -> None:
    subprocess.run(  # noqa: ASYNC221 (setup, before anything is timed)
        [sys.executable, "bench/seed.py", URL, "--listings", "1000"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    async with db.database(Settings(database_url=URL)):
        connection = connections.get("default")
        started = time.perf_counter()
        await connection.execute_script(f"""
            INSERT INTO listing (owner_id, title, category, city, state, description,
                                 in_directory, created_at, updated_at)
            SELECT (SELECT min(id) FROM account WHERE role = 'PERFORMER') + (n % 1000),
                   'Act ' || n,
                   (ARRAY['Band','DJ','Solo Musician','Singer','String Quartet','Magician',
                          'Comedian','Dance Troupe','Face Painter','Caricaturist'])[1 + n % 10],
                   (ARRAY['Austin','Boston','Chicago','Denver'])[1 + n % 4],
                   (ARRAY['TX','MA','IL','CO'])[1 + n % 4],
                   'A fine act.', n % 23 <> 0, now(), now()
            FROM generate_series(1, {args.listings}) AS n;
            ANALYZE listing; ANALYZE account;""")
        print(f"{args.listings:,} listings inserted in {time.perf_counter() - started:.1f} s")
        _, rows = await connection.execute_query("SELECT max(id) AS top FROM listing")
        deep = encode_cursor("listing", rows[0]["top"] - args.listings // 2)
        common = {"category": None, "city": None, "state": None, "first": 20}
        await timed("first page", 50, **common, after=None)
        await timed("a page halfway down (by cursor)", 50, **common, after=deep)
        await timed(
            'filtered: category "Band", state "TX"',
            50,
            **common | {"category": "Band", "state": "TX"},
            after=None,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args()))
