"""Directory latency while a burst of registrations hashes passwords (issue 13, item 11).

Argon2id costs ~100 ms of CPU per password by design. Run on the event loop, a burst of
sign-ups stalls every other request behind it; run in a worker thread it shares the
cores instead. This serves the real app (one uvicorn worker, production settings, on
SQLite) and measures directory requests, one after another, first alone and then
while N registrations arrive at once.

    .venv/bin/python bench/login_burst.py [--burst 40] [--root PATH]

--root runs another checkout of Backline (e.g. a git worktree of an older commit) with
this script, to compare before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

DIRECTORY = "{ listings(first: 20) { edges { node { id title performer { name } } } } }"
REGISTER = (
    'mutation($e: String!) { register(input: {name: "Burst", email: $e, password: '
    '"a long burst password", role: CUSTOMER, consents: {promotionalEmails: false, '
    "partnerPromotions: false, contactSharing: false, targetedAds: false}}) { __typename } }"
)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def directory_latencies(client: httpx.AsyncClient, until: asyncio.Event) -> list[float]:
    latencies = []
    while not until.is_set():
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": DIRECTORY})
        response.raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def measure(base_url: str, burst: int) -> dict[str, list[float]]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        quiet = asyncio.Event()
        reader = asyncio.create_task(directory_latencies(client, quiet))
        await asyncio.sleep(2)
        quiet.set()
        alone = await reader

        done = asyncio.Event()
        reader = asyncio.create_task(directory_latencies(client, done))
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as registrants:
            answers = await asyncio.gather(
                *(
                    registrants.post(
                        "/graphql",
                        json={"query": REGISTER, "variables": {"e": f"b{n}@burst.example"}},
                    )
                    for n in range(burst)
                )
            )
        done.set()
        during = await reader
    refused = [a for a in answers if a.json()["data"]["register"]["__typename"] != "AuthPayload"]
    if refused:
        raise SystemExit(f"{len(refused)} registrations were refused: raise the rate limit")
    return {"alone": alone, "during": during}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    root = args.root.resolve()
    folder = Path(tempfile.mkdtemp(prefix="backline-burst-"))
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "b" * 48,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite://{folder / 'burst.sqlite3'}",
        "RATE_LIMIT_REGISTER_PER_IP": f"{args.burst * 10}/minute",
        "PUBLIC_CACHE_ENTRIES": "0",  # measure the app, not its cache
        "PYTHONPATH": str(root),
    }
    subprocess.run([sys.executable, "main.py", "migrate"], cwd=root, env=env, check=True)
    # seed-demo refuses production (its accounts share a published password)
    seed_env = env | {"APP_ENV": "development"}
    subprocess.run([sys.executable, "main.py", "seed-demo"], cwd=root, env=seed_env, check=True)
    server = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--port", str(args.port)], cwd=root, env=env
    )
    try:
        base_url = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                httpx.get(f"{base_url}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        figures = asyncio.run(measure(base_url, args.burst))
    finally:
        server.terminate()
        server.wait()
    print(f"checkout: {root}")
    for name, samples in figures.items():
        print(
            f"directory {name:>6} a burst of {args.burst} registrations: "
            f"{len(samples)} requests, p50 {statistics.median(samples):.1f} ms, "
            f"p99 {percentile(samples, 0.99):.1f} ms, max {max(samples):.1f} ms"
        )


if __name__ == "__main__":
    main()
