"""The performance harness: Backline's real app (one uvicorn worker, production
settings) beside a hand-written Starlette + Tortoise baseline, on the same seeded
database, loaded by wrk from the other core.

    .venv/bin/python bench/run.py [--databases sqlite,postgres] [--duration 10]

Prints, per workload and database: requests/s, p50 and p99 latency, the baseline's
requests/s and the ratio, and the SQL statements one request costs (counted at two page
sizes where the workload is paged: it must not grow with the page). Before loading a
workload that has a baseline it checks that the app and the baseline answer the same
request with the same bytes, and stops if they do not. The realistic directory mix
(bench/workloads.py) walks a pre-generated list of requests over 500+ distinct pages
with 2% listing edits, on the app and on the baseline alike. Needs wrk (`apt-get
install wrk`) and, for PostgreSQL, the server on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import logging
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
# The signed-in `me` page (session token): profile, privacy preferences, consent history,
# contact shares, listings and testimonials; the baseline's GET /me returns the same bytes.
ME_PAGE = (
    "{ me { id name email phone pendingEmail role status registeredUnderPolicy "
    "privacyPreferences { promotionalEmails partnerPromotions contactSharing targetedAds } "
    "consentHistory { purpose granted source policyVersion recordedAt } "
    "contactShares { id recipientName reason sharedAt revokedAt } "
    "listings { id title category city state description inDirectory } "
    "testimonials { id quote authorName eventType city state status } } }"
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
    auth: str | None = None  # whose bearer token: "customer", "partner", "me"
    baseline: str | None = None  # the baseline's path (GET) for the same request
    mixed: bool = False  # 60% directory, 30% preferences, 10% register
    realistic: bool = False  # the directory mix of bench/workloads.py
    public: bool = False  # anonymous and cacheable: also run with the response cache off
    # Two spellings of the page size: SQL per request must be the same at both.
    sizes: tuple[str, str] | None = None


REALISTIC = "realistic directory mix (2% updateListing)"
WORKLOADS = [
    Workload(
        "directory page (20 listings + performer)",
        DIRECTORY,
        baseline="/directory?first=20",
        public=True,
        sizes=("first: 20", "first: 50"),
    ),
    Workload(
        "filtered directory page",
        FILTERED,
        baseline="/directory?first=20&category=Band&state=TX",
        public=True,
        sizes=("first: 20", "first: 50"),
    ),
    Workload(
        "testimonials page",
        TESTIMONIALS,
        baseline="/testimonials",
        public=True,
        sizes=("first: 20", "first: 50"),
    ),
    Workload(REALISTIC, "", realistic=True, public=True),
    Workload("me + preferences + consent history", ME, auth="customer"),
    Workload(
        "me page (profile, consents, shares, 25 listings, testimonials)",
        ME_PAGE,
        auth="me",
        baseline="/me",
    ),
    Workload(
        "sharedContacts page of 50 (API key, 50 audit rows)",
        SHARED,
        auth="partner",
        baseline="/shared-contacts?first=50",
        sizes=("first: 50", "first: 10"),
    ),
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


def baseline_lua(headers: dict[str, str]) -> str:
    return "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())


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
    sent = re.search(r"(\d+) requests in", output)
    return Result(
        rps,
        p50,
        p99,
        {"non_2xx": int(errors.group(1)) if errors else 0, "requests": int(sent.group(1))},
    )


def wait_for(url: str) -> None:
    # A minute: three servers start at once on one (possibly busy) core.
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def fetch(url: str, method: str = "GET", body: str = "", token: str = "") -> bytes:
    headers = {"Content-Type": "application/json"} if body else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=body.encode() or None, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read()


def same_bytes(name: str, app: bytes, baseline: bytes) -> None:
    """The ratio compares equal work only if both answer the same: stop loudly if not."""
    if app != baseline or b'"errors"' in app:
        raise SystemExit(
            f"{name}: the app and the baseline differ\n  app:      {app[:400]!r}\n"
            f"  baseline: {baseline[:400]!r}"
        )


def serve(target: list[str], port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A server on core 0; its output goes to `log` (wrk cutting requests short at the
    end of a run makes tracebacks there, ClientDisconnect, which are no failures)."""
    output = log.open("ab")
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
        stdout=output,
        stderr=subprocess.STDOUT,
    )


@dataclass
class Prepared:
    counts: dict[str, str]
    mix: Any  # bench.workloads.Mix


async def prepare(secrets: dict[str, str], args: argparse.Namespace) -> Prepared:
    """Builds the directory mix from the seeded rows, and sends one request of each
    workload through the real app in-process, counting its SQL statements (at two page
    sizes where the workload is paged)."""
    import httpx

    import db
    from bench import workloads
    from main import create_app
    from settings import Settings

    settings = Settings()
    counts: dict[str, str] = {}
    statements: list[str] = []

    class Counter(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            first = record.getMessage().lstrip().split(" ", 1)[0].upper()
            if first in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
                statements.append(first)

    logger = logging.getLogger("tortoise.db_client")
    async with db.database(settings):
        pages, _sets = await workloads.directory_pages(args.mix_depth)
        writers = await workloads.writable_listings(secrets["writer_tokens"])
        mix = workloads.build_mix(pages, writers, count=args.mix_requests)
        transport = httpx.ASGITransport(app=create_app(settings))
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
        logger.setLevel(logging.DEBUG)
        logger.addHandler(Counter())
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def count(body: dict | str, token: str = "") -> int:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                if isinstance(body, str):
                    headers["Content-Type"] = "application/json"
                statements.clear()
                if isinstance(body, str):
                    await client.post("/graphql", content=body, headers=headers)
                else:
                    await client.post("/graphql", json=body, headers=headers)
                return len(statements)

            for workload in WORKLOADS:
                token = secrets.get(workload.auth or "", "")
                if workload.mixed:
                    continue
                if workload.realistic:
                    read = next(
                        call for call in mix.app if not call.token and '"after"' in call.body
                    )
                    write = next(call for call in mix.app if call.token)
                    reads, writes = await count(read.body), await count(write.body, write.token)
                    counts[workload.name] = f"{reads} (write: {writes})"
                    continue
                if token:
                    # Once first: a key's or session's first use may cost a statement more.
                    # (Not for anonymous pages: a second ask would be a cache hit.)
                    await count({"query": workload.query}, token)
                n = await count({"query": workload.query}, token)
                counts[workload.name] = str(n)
                if workload.sizes:
                    size, other = workload.sizes
                    m = await count({"query": workload.query.replace(size, other)}, token)
                    if m != n:
                        counts[workload.name] = f"{n} (GROWS: {m} at {other})"
    logger.handlers.clear()
    return Prepared(counts, mix)


def prepare_in_process(secrets: dict, args: argparse.Namespace) -> tuple[dict, Any]:
    # Plain values cross the process boundary (this module is __main__ on one side only).
    prepared = asyncio.run(prepare(secrets, args))
    return prepared.counts, prepared.mix


def run_database(name: str, url: str, args: argparse.Namespace) -> list[tuple]:
    from cryptography.fernet import Fernet

    from bench import workloads

    env = os.environ | {
        "DATABASE_URL": url,
        "APP_ENV": "production",
        "SECRET_KEY": "b" * 48,
        # The seed encrypts phone numbers with this key; the app and baseline read them.
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "REDIS_URL": "",
        "RATE_LIMIT_REGISTER_PER_IP": "100000000/hour",
        "RATE_LIMIT_KEY_PREFIX": "bench",
    }
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
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    raw = json.loads(seeded.stdout.strip().splitlines()[-1])
    secrets = {
        "customer": raw["customer_token"],
        "partner": raw["partner_key"],
        "me": raw["me_token"],
        "writer_tokens": raw["writer_tokens"],
    }
    os.environ.update(env)
    # In a process of its own for each database: Tortoise caches a model's INSERT per
    # connection name, not per dialect, so SQLite's SQL must never meet PostgreSQL.
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
        prepared = Prepared(*pool.submit(prepare_in_process, secrets, args).result())
    mix = prepared.mix
    print(
        f"# {name}: directory mix of {len(mix.app):,} requests over {mix.distinct_pages} "
        f"distinct pages ({mix.filter_sets} filter sets x up to {args.mix_depth} pages), "
        f"{mix.writes} updateListing ({mix.writes / len(mix.app):.0%})",
        flush=True,
    )
    app_url = f"http://127.0.0.1:{args.port}"
    base_url = f"http://127.0.0.1:{args.port + 1}"
    logs = Path(tempfile.mkdtemp(prefix="backline-bench-logs-"))
    print(f"# {name}: server output in {logs}", flush=True)
    app = serve(["main:create_app", "--factory"], args.port, env, logs / "app.log")
    baseline = serve(["bench.baseline:app"], args.port + 1, env, logs / "baseline.log")
    # The same app with the public response cache off: what GraphQL itself costs.
    uncached = serve(
        ["main:create_app", "--factory"],
        args.port + 2,
        env | {"PUBLIC_CACHE_ENTRIES": "0"},
        logs / "app-cache-off.log",
    )
    rows = []
    try:
        wait_for(f"{app_url}/healthz")
        wait_for(f"{base_url}/testimonials")
        wait_for(f"http://127.0.0.1:{args.port + 2}/healthz")
        with tempfile.TemporaryDirectory() as folder:
            app_calls, base_calls = Path(folder) / "app.tsv", Path(folder) / "baseline.tsv"
            workloads.write_calls(mix.app, app_calls)
            workloads.write_calls(mix.baseline, base_calls)
            for workload in WORKLOADS:
                token = secrets.get(workload.auth or "", "")
                headers = {"Content-Type": "application/json"}
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                script = Path(folder) / "workload.lua"
                base_script = Path(folder) / "baseline.lua"
                base_path = workload.baseline
                if workload.realistic:
                    check_mix(workload.name, mix, app_url, base_url)
                    script.write_text(workloads.walker_lua(app_calls))
                    base_script.write_text(workloads.walker_lua(base_calls))
                    base_path = "/"
                else:
                    script.write_text(lua_for(workload, headers, "/graphql"))
                    base_script.write_text(
                        baseline_lua({"Authorization": f"Bearer {token}"} if token else {})
                    )
                if workload.baseline:
                    same_bytes(
                        workload.name,
                        fetch(
                            f"{app_url}/graphql",
                            "POST",
                            json.dumps({"query": workload.query}),
                            token,
                        ),
                        fetch(f"{base_url}{workload.baseline}", token=token),
                    )
                result = wrk(f"{app_url}/graphql", str(script), args.duration, args.connections)
                base = None
                if base_path:
                    base = wrk(
                        f"{base_url}{base_path}", str(base_script), args.duration, args.connections
                    )
                rows.append((name, workload.name, result, base, prepared.counts.get(workload.name)))
                print(format_row(rows[-1]), flush=True)
                if workload.realistic:
                    print(mix_coverage(mix, result, base), flush=True)
                if workload.public:
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
                            prepared.counts.get(workload.name),
                        )
                    )
                    print(format_row(rows[-1]), flush=True)
    finally:
        for process in (app, baseline, uncached):
            process.terminate()
            process.wait()
    return rows


def mix_coverage(mix: Any, *results: Result) -> str:
    """How much of the list a run walked: wrk starts at its top for every run."""
    parts = []
    for label, result in zip(("app", "baseline"), results, strict=False):
        sent = result.extra["requests"]
        walked = [mix.baseline[n % len(mix.baseline)] for n in range(sent)]
        pages = {call.path for call in walked if call.method == "GET"}
        writes = sum(call.method == "POST" for call in walked)
        parts.append(f"{label} sent {sent:,} requests: {len(pages)} distinct pages, {writes} edits")
    return "#   " + "; ".join(parts)


def check_mix(name: str, mix, app_url: str, base_url: str, sample: int = 25) -> None:
    """A sample of the mix's pages, and its first write, answer the same from both."""
    step = max(len(mix.app) // sample, 1)
    for app_call, base_call in list(zip(mix.app, mix.baseline, strict=True))[::step]:
        if app_call.token:
            continue
        same_bytes(
            f"{name}: {base_call.path}",
            fetch(f"{app_url}/graphql", "POST", app_call.body),
            fetch(f"{base_url}{base_call.path}"),
        )
    app_call, base_call = next(
        pair for pair in zip(mix.app, mix.baseline, strict=True) if pair[0].token
    )
    same_bytes(
        f"{name}: {base_call.path}",
        fetch(f"{app_url}/graphql", "POST", app_call.body, app_call.token),
        fetch(f"{base_url}{base_call.path}", "POST", base_call.body, base_call.token),
    )


def format_row(row: tuple) -> str:
    database, workload, result, base, queries = row
    ratio = f"{result.rps / base.rps:.2f}x" if base and base.rps else "-"
    base_rps = f"{base.rps:,.0f}" if base else "-"
    if base and base.extra.get("non_2xx"):
        base_rps += f" ({base.extra['non_2xx']} non-2xx)"
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
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="a database the bench may empty (its public schema is dropped and rebuilt)",
    )
    parser.add_argument("--mix-requests", type=int, default=10_000)
    parser.add_argument("--mix-depth", type=int, default=10, help="pages deep per filter set")
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
            run_database("PostgreSQL", args.postgres_url, args)


if __name__ == "__main__":
    main()
