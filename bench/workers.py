"""How throughput scales with uvicorn workers: the same fixed workload (bench/concurrency.py's
mix of reads and writes, the same requests in the same order) against
`python main.py serve --workers N` for N = 1, 2 and 4, on one seeded PostgreSQL database.

    .venv/bin/python bench/workers.py [--workers 1,2,4] [--requests 5000] [--concurrency 64]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_workers]

Prints req/s, p50 and p99 for each N and the speed-up over one worker; exits 1 on any
5xx or transport error. The load generator (httpx, one process) shares the machine with
the server: pin them apart (`--server-cores`, `--client-cores`) when there are cores
to spare, and read the figures as "this machine with its load generator", not as the
server alone. Run it on a quiet machine: other jobs on the same cores make it noise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.concurrency import (  # noqa: E402
    ensure_database,
    load,
    percentile,
    prepare,
    seed,
    server_env,
    start_server,
    stop_server,
)


def pin(cores: str | None) -> None:
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(core) for core in cores.split(",")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_workers"
    )
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--port", type=int, default=8340)
    parser.add_argument("--performers", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--testimonials", type=int, default=2000)
    parser.add_argument("--pages-per-filter", type=int, default=20)
    parser.add_argument("--server-cores", help="e.g. 0,1,2,3 (taskset for the server)")
    parser.add_argument("--client-cores", help="e.g. 4,5 (this process, the load generator)")
    args = parser.parse_args()

    ensure_database(args.database_url)
    env = server_env(args.database_url)
    secrets = seed(args.database_url, args.performers, args.listings, args.testimonials, env)
    pin(args.client_cores)
    print(
        f"# {os.cpu_count()} cores; {args.requests} requests per run after {args.warmup} "
        f"warm-up, {args.concurrency} concurrent connections"
    )
    print("| workers | req/s | p50 | p99 | speed-up | failures |")
    print("| --- | --- | --- | --- | --- | --- |")
    first = None
    failed = False
    for workers in [int(n) for n in args.workers.split(",")]:
        log = Path(tempfile.mkdtemp(prefix=f"backline-workers-{workers}-")) / "server.log"
        server = start_server(args.port, workers, env, log, args.server_cores)
        try:

            async def run():
                base = f"http://127.0.0.1:{args.port}"
                async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                    fixture = await prepare(client, secrets, args.pages_per_filter)
                await load(base, fixture, args.warmup, args.concurrency, seed_value=1)
                return await load(base, fixture, args.requests, args.concurrency)

            tally, elapsed = asyncio.run(run())
        finally:
            stop_server(server)
        rate = args.requests / elapsed
        first = first or rate
        failed = failed or bool(tally.failures)
        print(
            f"| {workers} | {rate:,.0f} | {percentile(tally.latencies, 0.5) * 1000:.0f} ms | "
            f"{percentile(tally.latencies, 0.99) * 1000:.0f} ms | {rate / first:.2f}x | "
            f"{len(tally.failures)} |",
            flush=True,
        )
        for failure in tally.failures[:10]:
            print(f"    {failure}", file=sys.stderr)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
