"""Concurrency without errors: the real server (`python main.py serve`, production
settings) on PostgreSQL in a database of its own, loaded with a mix of reads and writes
at a fixed number of concurrent connections. Fails loudly (exit status 1, the failures
printed) on any 5xx, transport error or INTERNAL_SERVER_ERROR in a GraphQL answer.

    .venv/bin/python bench/concurrency.py [--requests 10000] [--concurrency 64]
        [--workers 1] [--database-url postgres://postgres@127.0.0.1:5432/bench_conc]

The database is created if missing and then emptied and seeded by bench/seed.py: give it
one nobody else uses. Rate limits of the write mutations are raised for the run (the
limits themselves are tested in tests/test_rate_limits.py). Loopback only.

The mix, per 100 requests: 40 directory pages (over 500+ distinct pages: categories,
cities, states and cursors), 15 `me`, 20 `sharedContacts(first: 50)` with an API key,
10 updatePrivacyPreferences, 10 updateListing, 5 sendBookingInquiry.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import CITIES  # noqa: E402
from models.listings import CATEGORIES  # noqa: E402

PYTHON = sys.executable
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_conc"
METRICS_TOKEN = "bench-metrics-token-0123456789"

DIRECTORY = (
    "query Directory($first: Int!, $after: String, $category: String, $city: String, "
    "$state: String) { listings(first: $first, after: $after, category: $category, "
    "city: $city, state: $state) { edges { cursor node { id title category city state "
    "performer { id name } } } pageInfo { hasNextPage endCursor } } }"
)
ME = (
    "query Me { me { id name email privacyPreferences { promotionalEmails partnerPromotions "
    "contactSharing targetedAds } consentHistory { purpose granted source policyVersion "
    "recordedAt } listings { id title } } }"
)
SHARED = (
    "query Shared { sharedContacts(first: 50) { edges { cursor node { id name email phone "
    "sharedAt inquiry { eventDate eventType } } } pageInfo { hasNextPage endCursor } } }"
)
LOGIN = (
    "mutation Login($email: String!, $password: String!) { login(email: $email, "
    "password: $password) { __typename ... on AuthPayload { token } } }"
)
PREFERENCES = (
    "mutation Preferences($ads: Boolean!) { updatePrivacyPreferences(input: "
    "{targetedAds: $ads}) { __typename } }"
)
UPDATE_LISTING = (
    "mutation UpdateListing($id: ID!, $input: ListingInput!) { updateListing(id: $id, "
    "input: $input) { __typename } }"
)
INQUIRY = (
    "mutation Inquiry($input: BookingInquiryInput!) { sendBookingInquiry(input: $input) "
    "{ __typename } }"
)
# Per 100 requests.
MIX = [
    ("directory", 40),
    ("me", 15),
    ("sharedContacts", 20),
    ("updatePrivacyPreferences", 10),
    ("updateListing", 10),
    ("sendBookingInquiry", 5),
]
# Run-only settings: production mode, write limits out of the way.
RUN_SETTINGS = {
    "APP_ENV": "production",
    "SECRET_KEY": "c" * 48,
    "METRICS_TOKEN": METRICS_TOKEN,
    "REDIS_URL": "",
    "LOG_FORMAT": "json",
    "RATE_LIMIT_KEY_PREFIX": "bench-concurrency",
    "RATE_LIMIT_INQUIRIES_PER_ACCOUNT": "100000000/hour",
    "RATE_LIMIT_INQUIRIES_PER_LISTING": "100000000/day",
    "RATE_LIMIT_LOGIN_PER_IP": "100000/minute",
}


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)  # kind → answer __typename or "ok"
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failures.append(message)


@dataclass
class Fixture:
    """What the workload needs from the seeded database."""

    customer_token: str
    partner_key: str
    performer_token: str
    own_listings: list[str]
    pages: list[dict]  # directory variables
    other_listings: list[str]  # listings the customer may ask about


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (PostgreSQL only)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import asyncpg

    server, _, name = url.rpartition("/")

    async def create() -> None:
        connection = await asyncpg.connect(f"{server}/postgres")
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())


def seed(url: str, performers: int, listings: int, testimonials: int, env: dict) -> dict:
    """bench/seed.py with the server's keys (it stores encrypted fields)."""
    done = subprocess.run(
        [PYTHON, "bench/seed.py", url, "--performers", str(performers)]
        + ["--listings", str(listings), "--testimonials", str(testimonials)],
        cwd=ROOT,
        env=env | {"APP_ENV": "development"},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"bench/seed.py failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def server_env(url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if k.upper() != "PROMETHEUS_MULTIPROC_DIR"}
    return (
        env
        | RUN_SETTINGS
        | {
            "DATABASE_URL": url,
            "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            # A folder of this run's own: serve empties <it>/<port> at each start.
            "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="backline-concurrency-metrics-"),
        }
        | (extra or {})
    )


def start_server(
    port: int, workers: int, env: dict[str, str], log: Path, cores: str | None = None
) -> subprocess.Popen:
    """`python main.py serve` (under `taskset -c cores` when given), once /readyz answers."""
    pinned = ["taskset", "-c", cores] if cores else []
    process = subprocess.Popen(
        [*pinned, PYTHON, "main.py", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5)  # noqa: S310
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"the server did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None
) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"setup query failed: {body['errors']}")
    return body["data"]


async def prepare(client: httpx.AsyncClient, secrets: dict, depth: int = 20) -> Fixture:
    """Signs a performer in, finds its listings, and walks the directory (up to `depth`
    pages per filter: 500+ pages on the default seed)."""
    login = await graphql(
        client, LOGIN, {"email": "performer1@bench.example", "password": "bench password"}
    )
    performer_token = login["login"]["token"]
    me = await graphql(client, ME, token=performer_token)
    own = [listing["id"] for listing in me["me"]["listings"]]
    pages: list[dict] = []
    listing_ids: list[str] = []
    filters = [{}] + [{"category": c} for c in CATEGORIES]
    filters += [{"city": city} for city, _ in CITIES] + [{"state": s} for _, s in CITIES]
    filters += [{"category": c, "state": s} for c in CATEGORIES for _, s in CITIES]
    for where in filters:
        after = None
        for _ in range(depth):
            variables = {"first": 20, "after": after, **where}
            pages.append(variables)
            data = await graphql(client, DIRECTORY, variables)
            listing_ids += [edge["node"]["id"] for edge in data["listings"]["edges"]]
            info = data["listings"]["pageInfo"]
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
    others = sorted(set(listing_ids) - set(own))
    return Fixture(
        customer_token=secrets["customer_token"],
        partner_key=secrets["partner_key"],
        performer_token=performer_token,
        own_listings=own,
        pages=pages,
        other_listings=others,
    )


def plan(count: int, rng: random.Random) -> list[str]:
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    return [rng.choice(kinds) for _ in range(count)]


def request_for(kind: str, fixture: Fixture, n: int, rng: random.Random) -> tuple[dict, str | None]:
    if kind == "directory":
        return {"query": DIRECTORY, "variables": rng.choice(fixture.pages)}, None
    if kind == "me":
        return {"query": ME}, fixture.customer_token
    if kind == "sharedContacts":
        return {"query": SHARED}, fixture.partner_key
    if kind == "updatePrivacyPreferences":
        return {"query": PREFERENCES, "variables": {"ads": n % 2 == 0}}, fixture.customer_token
    if kind == "updateListing":
        listing = fixture.own_listings[n % len(fixture.own_listings)]
        city, state = CITIES[n % len(CITIES)]
        variables = {
            "id": listing,
            "input": {
                "title": f"Act {n}",
                "category": CATEGORIES[n % len(CATEGORIES)],
                "city": city,
                "state": state,
                "description": "Updated under load.",
            },
        }
        return {"query": UPDATE_LISTING, "variables": variables}, fixture.performer_token
    listing = fixture.other_listings[n % len(fixture.other_listings)]
    variables = {
        "input": {
            "listingId": listing,
            "eventDate": "2027-09-01",
            "eventType": "Wedding",
            "message": f"Are you free? ({n})",
        }
    }
    return {"query": INQUIRY, "variables": variables}, fixture.customer_token


async def one(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    kind: str,
    body: dict,
    token: str | None,
    tally: Tally,
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with gate:
        started = time.perf_counter()
        try:
            response = await client.post("/graphql", json=body, headers=headers)
        except httpx.HTTPError as error:
            tally.statuses["transport error"] += 1
            tally.fail(f"{kind}: transport error {type(error).__name__}: {error}")
            return
        tally.latencies.append(time.perf_counter() - started)
    tally.statuses[response.status_code] += 1
    if response.status_code >= 500:
        tally.fail(f"{kind}: HTTP {response.status_code}: {response.text[:300]}")
        return
    try:
        answer = response.json()
    except ValueError:
        tally.fail(f"{kind}: HTTP {response.status_code}, not JSON: {response.text[:300]}")
        return
    for error in answer.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        tally.outcomes[f"{kind}: error {code}"] += 1
        if code == "INTERNAL_SERVER_ERROR" or code is None:
            tally.fail(f"{kind}: {json.dumps(error)[:300]}")
    data = answer.get("data") or {}
    for value in data.values():
        typename = value.get("__typename") if isinstance(value, dict) else None
        tally.outcomes[f"{kind}: {typename or 'ok'}"] += 1


async def load(
    base_url: str, fixture: Fixture, count: int, concurrency: int, seed_value: int = 17
) -> tuple[Tally, float]:
    rng = random.Random(seed_value)  # noqa: S311 (a workload, not a secret)
    tally = Tally()
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        requests = [
            (kind, *request_for(kind, fixture, n, rng)) for n, kind in enumerate(plan(count, rng))
        ]
        started = time.perf_counter()
        await asyncio.gather(
            *(one(client, gate, kind, body, token, tally) for kind, body, token in requests)
        )
        elapsed = time.perf_counter() - started
    return tally, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def server_errors_in_metrics(base_url: str) -> tuple[float, float]:
    """The server's own count of requests and of server errors (one scrape, all workers)."""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    text = urllib.request.urlopen(request, timeout=30).read().decode()  # noqa: S310
    total = errors = 0.0
    for line in text.splitlines():
        if line.startswith("backline_requests_total{"):
            value = float(line.rsplit(" ", 1)[1])
            total += value
            if 'outcome="server_error"' in line:
                errors += value
    return total, errors


def report(tally: Tally, elapsed: float, count: int, concurrency: int, workers: int) -> None:
    print(
        f"{count} requests, {concurrency} concurrent connections, {workers} worker(s): "
        f"{elapsed:.1f} s, {count / elapsed:,.0f} req/s, "
        f"p50 {percentile(tally.latencies, 0.50) * 1000:.1f} ms, "
        f"p99 {percentile(tally.latencies, 0.99) * 1000:.1f} ms"
    )
    print(
        "by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items(), key=str))
    )
    for outcome, number in sorted(tally.outcomes.items()):
        print(f"  {outcome}: {number}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8330)
    parser.add_argument("--performers", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--testimonials", type=int, default=2000)
    args = parser.parse_args()

    ensure_database(args.database_url)
    env = server_env(args.database_url)
    secrets = seed(args.database_url, args.performers, args.listings, args.testimonials, env)
    log = Path(tempfile.mkdtemp(prefix="backline-concurrency-")) / "server.log"
    server = start_server(args.port, args.workers, env, log)
    base_url = f"http://127.0.0.1:{args.port}"
    try:

        async def run() -> tuple[Fixture, Tally, float]:
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
                fixture = await prepare(client, secrets)
            tally, elapsed = await load(base_url, fixture, args.requests, args.concurrency)
            return fixture, tally, elapsed

        fixture, tally, elapsed = asyncio.run(run())
        served, server_errors = server_errors_in_metrics(base_url)
    finally:
        stop_server(server)
    print(f"{len(fixture.pages)} distinct directory pages in the mix")
    report(tally, elapsed, args.requests, args.concurrency, args.workers)
    print(f"the server's /metrics (all workers): {served:.0f} requests, {server_errors:.0f} 5xx")
    if server_errors and not tally.failures:
        tally.fail(f"/metrics counted {server_errors:.0f} server errors")
    if tally.failures:
        print(f"\nFAILED: {len(tally.failures)} failure(s); the first ones:", file=sys.stderr)
        for failure in tally.failures[:20]:
            print(f"  {failure}", file=sys.stderr)
        print(f"server log: {log}", file=sys.stderr)
        sys.exit(1)
    print("ok: no 5xx, no transport error, no internal error")


if __name__ == "__main__":
    main()
