"""Redis gone: the API server (2 workers, REDIS_URL set to a redis-server of this
scenario's own) counts failed logins and registrations in Redis; Redis is killed, then
started again.

What each limit does without Redis (rate_limits.py): every limit falls back to counting
in each API process's memory, so it still holds, at most once per process (here: the
5th failed login is refused by the process that counted it, so a client gets at most 5
× 2 before a refusal); the log says so once at WARNING, and /readyz answers 200 "ready
(rate limits per process: redis unreachable)": the API still serves, so the load
balancer keeps it. When Redis answers again the counts are shared again.

Verdict: with Redis, refused at the 6th failed login and the 4th registration; without,
refused by the 5 × workers + 1st attempt at the latest (never unlimited); /readyz and
the log say so; with Redis back, shared again (refused at the 6th).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx

from bench.faults.processes import ApiServer, PrivateRedis, base_env, keep, migrate
from bench.faults.report import Result

LOGIN = """mutation Login($email: String!, $password: String!) { login(email: $email,
  password: $password) { __typename } }"""
REGISTER = """mutation Register($input: RegisterInput!) { register(input: $input) {
  __typename } }"""
FAILURES = 5  # RATE_LIMIT_LOGIN_FAILURES per (address, IP)
REGISTRATIONS = 3
WORKERS = 2
SETTINGS = {
    "RATE_LIMIT_LOGIN_PER_IP": "1000/minute",
    "RATE_LIMIT_LOGIN_FAILURES": f"{FAILURES}/minute",
    "RATE_LIMIT_REGISTER_PER_IP": f"{REGISTRATIONS}/hour",
}


async def attempts_until_refused(
    client: httpx.AsyncClient, kind: str, ip: str, tries: int, tag: str
) -> int | None:
    """How many attempts until the first RateLimited answer (None: never)."""
    for n in range(1, tries + 1):
        if kind == "login":
            body = {
                "query": LOGIN,
                "variables": {"email": f"{tag}@example.com", "password": "wrong guess"},
            }
        else:
            body = {
                "query": REGISTER,
                "variables": {
                    "input": {
                        "name": "N",
                        "email": f"{tag}-{n}@example.com",
                        "password": "a long enough password",
                        "role": "CUSTOMER",
                        "consents": {
                            "promotionalEmails": False,
                            "partnerPromotions": False,
                            "contactSharing": False,
                            "targetedAds": False,
                        },
                    }
                },
            }
        response = await client.post(
            "/graphql", json=body, headers={"X-Forwarded-For": ip, "Connection": "close"}
        )
        answer = response.json()["data"]
        if next(iter(answer.values()))["__typename"] == "RateLimited":
            return n
    return None


async def readiness(client: httpx.AsyncClient, times: int = 10) -> set[str]:
    texts = set()
    for _ in range(times):
        texts.add((await client.get("/readyz", headers={"Connection": "close"})).text)
    return texts


async def run() -> Result:
    result = Result(f"redis gone ({WORKERS} API workers)")
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-redis-"))
    try:
        with PrivateRedis() as redis:
            env = base_env(
                DATABASE_URL=f"sqlite://{folder / 'redis.sqlite3'}",
                REDIS_URL=redis.url,
                RATE_LIMIT_KEY_PREFIX="faults",
                **SETTINGS,
            )
            await asyncio.to_thread(migrate, env)
            server = ApiServer(env, folder / "api.log", workers=WORKERS)
            await asyncio.to_thread(server.start)
            try:
                async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                    shared_login = await attempts_until_refused(
                        client, "login", "203.0.113.1", 20, "before"
                    )
                    shared_register = await attempts_until_refused(
                        client, "register", "203.0.113.1", 10, "before"
                    )
                    ready_before = await readiness(client)
                    redis.kill()
                    most = FAILURES * WORKERS + 1
                    alone_login = await attempts_until_refused(
                        client, "login", "203.0.113.2", 3 * most, "during"
                    )
                    alone_register = await attempts_until_refused(
                        client, "register", "203.0.113.2", 3 * most, "during"
                    )
                    ready_during = await readiness(client)
                    redis.start()
                    ready_after = await readiness(client, times=20)
                    back_login = await attempts_until_refused(
                        client, "login", "203.0.113.3", 20, "after"
                    )
            finally:
                server.stop()
            log = server.output()
    finally:
        keep(folder)
    result.figures = {
        "login refused at (redis)": shared_login,
        "(redis gone)": alone_login,
        "(redis back)": back_login,
        "register refused at (redis)": shared_register,
        "(redis gone) ": alone_register,
        "readyz gone": " | ".join(sorted(ready_during)),
    }
    result.expect(shared_login == FAILURES + 1, f"with Redis, login refused at {shared_login}")
    result.expect(
        shared_register == REGISTRATIONS + 1, f"with Redis, register refused at {shared_register}"
    )
    result.expect(ready_before == {"ready"}, f"/readyz before: {ready_before}")
    result.expect(
        alone_login is not None and alone_login <= FAILURES * WORKERS + 1,
        f"without Redis, login refused at {alone_login}",
    )
    result.expect(
        alone_register is not None and alone_register <= REGISTRATIONS * WORKERS + 1,
        f"without Redis, register refused at {alone_register}",
    )
    result.expect(
        ready_during == {"ready (rate limits per process: redis unreachable)"},
        f"/readyz without Redis: {ready_during}",
    )
    result.expect(ready_after == {"ready"}, f"/readyz after: {ready_after}")
    result.expect(back_login == FAILURES + 1, f"Redis back, login refused at {back_login}")
    result.expect("rate limits: Redis unreachable" in log, "the log does not say Redis is away")
    result.expect("counts are shared again" in log, "the log does not say Redis is back")
    return result
