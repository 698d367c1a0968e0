"""The performance harness: Backline's real app (one uvicorn worker, production
settings) beside a hand-written Starlette + Tortoise baseline, on the same seeded
database, loaded by wrk from the other core.

    .venv/bin/python bench/run.py [--databases sqlite,postgres] [--duration 10]

Prints, per workload and database: requests/s, p50 and p99 latency, the baseline's
requests/s and the ratio, and the SQL statements one request costs. Needs wrk
(`apt-get install wrk`) and, for PostgreSQL, the server on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"

DIRECTORY = (
    "{ listings(first: 20) { edges { cursor node { id title category city state "
    "performer { id name } } } pageInfo { hasNextPage endCursor } } }"
)
FILTERED = (
    '{ listings(first: 20, category: "Band", state: "TX") { edges { cursor node { id '
    "title category city state performer { id name } } } pageInfo { hasNextPage "
    "endCursor } } }"
)
TESTIMONIALS = (
    "{ testimonials(first: 20) { edges { cursor node { id quote authorName "
    "eventType city state } } pageInfo { hasNextPage endCursor } } }"
)
ME = (
    "{ me { id name email privacyPreferences { promotionalEmails partnerPromotions "
    "contactSharing targetedAds } consentHistory { purpose granted source policyVersion "
    "recordedAt } } }"
)
SHARED = (
    "{ sharedContacts(first: 50) { edges { cursor node { id name email phone sharedAt "
    "inquiry { eventDate eventType } } } pageInfo { hasNextPage endCursor } } }"
)
REGISTER = (
    'mutation { register(input: {name: "Bench", email: "EMAIL", password: '
    '"a long bench password", role: CUSTOMER, consents: {promotionalEmails: false, '
    "partnerPromotions: false, contactSharing: true, targetedAds: false}}) "
    "{ __typename } }"
)
PREFERENCES = "mutation { updatePrivacyPreferences(input: {targetedAds: true}) { __typename } }"


@dataclass
class Workload:
    name: str
    query: str
    auth: str | None = None  # "customer" or "partner"
    baseline: str | None = None  # the baseline's path for the same page
    mixed: bool = False


WORKLOADS = [
    Workload("directory page (20 listings + performer)", DIRECTORY, baseline="/directory?first=20"),
    Workload(
        "filtered directory page", FILTERED, baseline="/directory?first=20&category=Band&state=TX"
    ),
    Workload("testimonials page", TESTIMONIALS, baseline="/testimonials"),
    Workload("me + preferences + consent history", ME, auth="customer"),
    Workload("sharedContacts page of 50 (API key)", SHARED, auth="partner"),
    Workload(
        "mixed: 60% directory, 30% preferences, 10% register",
        DIRECTORY,
        auth="customer",
        mixed=True,
    ),
]


@dataclass
class Result:
    rps: float = 0.0
    p50: str = "-"
    p99: str = "-"
    extra: dict = field(default_factory=dict)


def lua_for(workload: Workload, headers: dict[str, str], path: str) -> str:
    header_lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    if not workload.mixed:
        body = json.dumps({"query": workload.query})
        return f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n{header_lines}\n'
    reads = json.dumps(json.dumps({"query": DIRECTORY}))
    prefs = json.dumps(json.dumps({"query": PREFERENCES}))
    return f"""
{header_lines}
counter = 0
request = function()
  counter = counter + 1
  local n = counter % 10
  if n == 0 then
    local email = "b" .. counter .. "-" .. math.random(1, 1000000000) .. "@bench.example"
    local q = string.gsub({json.dumps(REGISTER)}, "EMAIL", email)
    return wrk.format("POST", "{path}", nil, '{{"query": ' .. string.format("%q", q) .. '}}')
  elseif n <= 3 then
    return wrk.format("POST", "{path}", nil, {prefs})
  end
  return wrk.format("POST", "{path}", nil, {reads})
end
"""


def wrk(url: str, script: str | None, duration: int, connections: int) -> Result:
    command = [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        url,
    ]
    if script:
        command[6:6] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(rps, p50, p99, {"non_2xx": int(errors.group(1)) if errors else 0})


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def serve(target: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            "taskset",
            "-c",
            "0",
            PYTHON,
            "-m",
            "uvicorn",
            *target,
            "--port",
            str(port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


async def queries_per_request(env: dict[str, str], secrets: dict[str, str]) -> dict[str, int]:
    """One request of each workload through the real app in-process, counting SQL."""
    import httpx

    import db
    from main import create_app
    from settings import Settings

    settings = Settings()
    counts: dict[str, int] = {}
    statements: list[str] = []

    class Counter(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            first = record.getMessage().lstrip().split(" ", 1)[0].upper()
            if first in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
                statements.append(first)

    logger = logging.getLogger("tortoise.db_client")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Counter())
    async with db.database(settings):
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for workload in WORKLOADS:
                if workload.mixed:
                    continue
                headers = {}
                if workload.auth:
                    headers["Authorization"] = f"Bearer {secrets[workload.auth + '_token']}"
                statements.clear()
                await client.post("/graphql", json={"query": workload.query}, headers=headers)
                counts[workload.name] = len(statements)
    logger.handlers.clear()
    return counts


def run_database(name: str, url: str, args: argparse.Namespace) -> list[tuple]:
    seeded = subprocess.run(
        [
            PYTHON,
            "bench/seed.py",
            url,
            "--performers",
            str(args.performers),
            "--listings",
            str(args.listings),
            "--testimonials",
            str(args.testimonials),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    raw = json.loads(seeded.stdout.strip().splitlines()[-1])
    secrets = {"customer_token": raw["customer_token"], "partner_token": raw["partner_key"]}
    from cryptography.fernet import Fernet

    env = os.environ | {
        "DATABASE_URL": url,
        "APP_ENV": "production",
        "SECRET_KEY": "b" * 48,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "REDIS_URL": "",
        "RATE_LIMIT_REGISTER_PER_IP": "100000000/hour",
        "RATE_LIMIT_KEY_PREFIX": "bench",
    }
    os.environ.update(env)
    counts = asyncio.run(queries_per_request(env, secrets))
    app = serve(["main:create_app", "--factory"], args.port, env)
    baseline = serve(["bench.baseline:app"], args.port + 1, env)
    # The same app with the public response cache off: what GraphQL itself costs.
    uncached = serve(
        ["main:create_app", "--factory"], args.port + 2, env | {"PUBLIC_CACHE_ENTRIES": "0"}
    )
    rows = []
    try:
        wait_for(f"http://127.0.0.1:{args.port}/healthz")
        wait_for(f"http://127.0.0.1:{args.port + 1}/testimonials")
        wait_for(f"http://127.0.0.1:{args.port + 2}/healthz")
        with tempfile.TemporaryDirectory() as folder:
            for workload in WORKLOADS:
                headers = {"Content-Type": "application/json"}
                if workload.auth:
                    headers["Authorization"] = f"Bearer {secrets[workload.auth + '_token']}"
                script = Path(folder) / "workload.lua"
                script.write_text(lua_for(workload, headers, "/graphql"))
                result = wrk(
                    f"http://127.0.0.1:{args.port}/graphql",
                    str(script),
                    args.duration,
                    args.connections,
                )
                base = None
                if workload.baseline:
                    base = wrk(
                        f"http://127.0.0.1:{args.port + 1}{workload.baseline}",
                        None,
                        args.duration,
                        args.connections,
                    )
                rows.append((name, workload.name, result, base, counts.get(workload.name)))
                print(format_row(rows[-1]), flush=True)
                if workload.baseline:
                    plain = wrk(
                        f"http://127.0.0.1:{args.port + 2}/graphql",
                        str(script),
                        args.duration,
                        args.connections,
                    )
                    rows.append(
                        (
                            name,
                            f"{workload.name}, cache off",
                            plain,
                            base,
                            counts.get(workload.name),
                        )
                    )
                    print(format_row(rows[-1]), flush=True)
    finally:
        for process in (app, baseline, uncached):
            process.terminate()
            process.wait()
    return rows


def format_row(row: tuple) -> str:
    database, workload, result, base, queries = row
    ratio = f"{result.rps / base.rps:.2f}x" if base else "-"
    base_rps = f"{base.rps:,.0f}" if base else "-"
    sql = "-" if queries is None else str(queries)
    errors = f" ({result.extra['non_2xx']} non-2xx)" if result.extra.get("non_2xx") else ""
    return (
        f"| {database} | {workload} | {result.rps:,.0f}{errors} | {result.p50} | "
        f"{result.p99} | {base_rps} | {ratio} | {sql} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8310)
    parser.add_argument("--performers", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--testimonials", type=int, default=2000)
    args = parser.parse_args()
    print(
        f"# {os.cpu_count()} cores; app and baseline on core 0, wrk on core 1; "
        f"{args.duration} s per run, {args.connections} connections"
    )
    print("| database | workload | req/s | p50 | p99 | baseline req/s | ratio | SQL/request |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.databases.split(","):
        if name == "sqlite":
            folder = tempfile.mkdtemp(prefix="backline-bench-")
            run_database("SQLite", f"sqlite://{folder}/bench.sqlite3", args)
        elif name == "postgres":
            run_database("PostgreSQL", POSTGRES_URL, args)


if __name__ == "__main__":
    main()
