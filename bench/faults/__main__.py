"""Runs the fault suite and prints one line of figures and a verdict per scenario; exits
1 if any scenario failed.

    .venv/bin/python -m bench.faults            # every scenario at full size (about 4 min)
    .venv/bin/python -m bench.faults --quick    # smaller numbers (about 2 min)
    .venv/bin/python -m bench.faults --only mail --only redis
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable

from bench.faults import (
    database_restart,
    mail_server,
    redis_gone,
    shutdown,
    sqlite_disk,
    worker_kill,
)
from bench.faults.processes import Unavailable
from bench.faults.report import Result

Scenario = Callable[[bool], Awaitable[list[Result]]]


async def _mail(quick: bool) -> list[Result]:
    return await mail_server.run(count=100 if quick else 500, fault_seconds=2 if quick else 5)


async def _kill(quick: bool) -> list[Result]:
    return [await worker_kill.run(count=500 if quick else 3000, kills=3 if quick else 8)]


async def _database(quick: bool) -> list[Result]:
    if quick:
        return [await database_restart.run(outage_seconds=3, before=1.5, after=4)]
    return [
        await database_restart.run(outage_seconds=8, before=3, after=8, mode=mode)
        for mode in ("fast", "immediate")
    ]


async def _redis(quick: bool) -> list[Result]:
    return [await redis_gone.run()]


async def _disk(quick: bool) -> list[Result]:
    return [await sqlite_disk.run(attempts=3 if quick else 5)]


async def _shutdown(quick: bool) -> list[Result]:
    results = [await shutdown.api(workers=1)]
    if not quick:
        results.append(await shutdown.api(workers=2))
    return [*results, await shutdown.worker(count=200), await shutdown.worker_forced(count=10)]


SCENARIOS: dict[str, Scenario] = {
    "mail": _mail,
    "kill": _kill,
    "database": _database,
    "redis": _redis,
    "disk": _disk,
    "shutdown": _shutdown,
}


async def main(names: list[str], quick: bool) -> int:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"fault suite: {os.cpu_count()} core(s), load average {load:.1f}; "
        f"{'quick' if quick else 'full'} run of {', '.join(names)}",
        flush=True,
    )
    failed = 0
    started = time.monotonic()
    for name in names:
        try:
            results = await SCENARIOS[name](quick)
        except Unavailable as missing:
            results = [Result(name, skipped=str(missing))]
        for result in results:
            print(result.line(), flush=True)
            failed += result.verdict == "FAIL"
    print(
        f"{'all passed' if not failed else f'{failed} FAILED'} "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller numbers, same checks")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable)",
    )
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.only or list(SCENARIOS), arguments.quick)))
