"""PostgreSQL restarted under load: the API server (`python main.py serve --workers 2`)
and a mail worker run against a PostgreSQL of this scenario's own while a load of
registrations, profile updates and reads goes on; the database is stopped (fast
shutdown: sessions ended; or immediate: as in a crash, recovered from its WAL at start)
for a few seconds, then started again.

Verdict: while it is away every failed answer is a 503 whose body is one GraphQL error
with code SERVICE_UNAVAILABLE (no 500, no traceback, no dropped connection), and
/readyz answers 503; once it is back, writes succeed again within seconds with no
process restarted, /readyz answers 200, every write the API confirmed is in the
database, every request has its request-log line (kept in memory while the database
was away), and the worker delivers every welcome mail (duplicates are counted: a mail
the server accepted while the database could not record it is sent again).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.faults import database
from bench.faults.load import Load, outcomes
from bench.faults.processes import (
    ApiServer,
    MailWorker,
    PrivatePostgres,
    base_env,
    keep,
    migrate,
    sleep_until,
)
from bench.faults.report import Result
from bench.faults.smtp import FaultySmtp

SETTINGS = {
    "SMTP_HOST": "127.0.0.1",
    "SMTP_TIMEOUT_SECONDS": "1",
    "MAIL_CLAIM_SECONDS": "5",
    "MAIL_RETRY_BASE_SECONDS": "0.2",
    "WORKER_POLL_SECONDS": "0.2",
    "RATE_LIMIT_REGISTER_PER_IP": "1000000/hour",
    "REQUEST_LOG_FLUSH_SECONDS": "0.5",
}
RECOVERY_LIMIT_SECONDS = 10.0


async def watch_readiness(url: str, stop: asyncio.Event, seen: list[tuple[float, int]]) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        while not stop.is_set():
            asked = time.monotonic()  # an answer may come late, under load: when asked counts
            try:
                status = (await client.get(f"{url}/readyz")).status_code
            except httpx.HTTPError:
                status = 0
            seen.append((asked, status))
            await asyncio.sleep(0.2)


async def run(
    outage_seconds: float = 5.0,
    before: float = 2.0,
    after: float = 6.0,
    api_workers: int = 2,
    loops: int = 8,
    mode: str = "fast",
) -> Result:
    """mode: pg_ctl's shutdown mode, "fast" (a restart) or "immediate" (a crash)."""
    result = Result(
        f"database {'restarted' if mode == 'fast' else 'crashed'} ({api_workers} API workers)"
    )
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-db-"))
    try:
        with PrivatePostgres() as postgres, FaultySmtp() as smtp:
            env = base_env(DATABASE_URL=postgres.url, SMTP_PORT=str(smtp.port), **SETTINGS)
            await asyncio.to_thread(migrate, env)
            server = ApiServer(env, folder / "api.log", workers=api_workers)
            await asyncio.to_thread(server.start)
            worker = MailWorker(env, folder / "worker.log").start()
            load = Load(server.url, loops=loops)
            readiness: list[tuple[float, int]] = []
            watching = asyncio.create_task(watch_readiness(server.url, load.stop, readiness))
            running = asyncio.create_task(load.run())
            await asyncio.sleep(before)
            await asyncio.to_thread(postgres.stop, mode)
            down_at = time.monotonic()
            await asyncio.sleep(outage_seconds)
            # PostgreSQL takes connections a little before pg_ctl says it is up.
            starting_at = time.monotonic()
            await asyncio.to_thread(postgres.start)
            back_at = time.monotonic()
            await asyncio.sleep(after)
            load.stop.set()
            await asyncio.gather(running, watching)

            async def mail_drained() -> bool:
                return await database.unfinished(postgres.url) == 0

            await sleep_until(mail_drained, within=60, interval=0.2)
            result.expect(server.running, "the API server exited")
            result.expect(worker.running, "the mail worker exited")
            died = "died" in server.output()
            result.expect(not died, "an API worker process died and was restarted")
            emails = dict(await database.rows(postgres.url, "SELECT email, name FROM account"))
            states = await database.outbox_states(postgres.url)
            sent_ids = {
                row[0]
                for row in await database.rows(
                    postgres.url, "SELECT id FROM outbound_email WHERE state = 'SENT'"
                )
            }
            worker.stop()
            server.stop()
            outage_log = "database unreachable" in server.output()
            logged = {
                row[0]
                for row in await database.rows(
                    postgres.url,
                    "SELECT user_agent FROM request_log WHERE user_agent LIKE 'faults-load/%'",
                )
            }
    finally:
        keep(folder)

    during = [a for a in load.answers if down_at <= a.at <= starting_at]
    bad = [a for a in load.answers if a.outcome not in ("ok", "503 SERVICE_UNAVAILABLE")]
    writes_back = [a.at for a in load.answers if a.write and a.outcome == "ok" and a.at > back_at]
    recovery = (min(writes_back) - back_at) if writes_back else None
    ready_back = [t for t, status in readiness if t > back_at and status == 200]
    ready_recovery = (min(ready_back) - back_at) if ready_back else None
    ready_down = [status for t, status in readiness if down_at + 0.5 < t < starting_at]
    lost = [email for email in load.registered if email not in emails]
    wrong = [
        email
        for email, name in load.registered.items()
        if email in emails and emails[email] not in {name, *load.unconfirmed[email]}
    ]
    received = database.row_ids(smtp.faults.received)
    unlogged = {a.agent for a in load.answers if not a.outcome.startswith("transport")} - logged
    result.figures = {
        "requests": len(load.answers),
        "503 in outage": sum(a.outcome.startswith("503") for a in during),
        "other errors": len(bad),
        "confirmed writes": sum(a.write and a.outcome == "ok" for a in load.answers),
        "lost": len(lost) + len(wrong),
        "recovery s": recovery if recovery is not None else "never",
        "readyz back s": ready_recovery if ready_recovery is not None else "never",
        "log lines lost": len(unlogged),
        "mails sent": len(sent_ids),
        "mail duplicates": smtp.faults.duplicates(),
    }
    result.expect(not bad, f"answers other than ok or 503: {outcomes(bad).most_common(5)}")
    result.expect(any(a.outcome.startswith("503") for a in during), "no 503 during the outage")
    result.expect(
        recovery is not None and recovery <= RECOVERY_LIMIT_SECONDS,
        f"writes did not succeed again within {RECOVERY_LIMIT_SECONDS:.0f} s",
    )
    result.expect(
        bool(ready_down) and all(status == 503 for status in ready_down),
        f"/readyz while down: {Counter(ready_down)}",
    )
    result.expect(
        ready_recovery is not None and ready_recovery <= RECOVERY_LIMIT_SECONDS,
        "/readyz not back to 200",
    )
    result.expect(not lost, f"{len(lost)} confirmed registration(s) missing")
    result.expect(not wrong, f"{len(wrong)} confirmed profile update(s) missing")
    result.expect(states["QUEUED"] + states["SENDING"] == 0, f"mail not drained: {dict(states)}")
    result.expect(not (sent_ids - set(received)), "a mail marked SENT was never received")
    result.expect(outage_log, "the log does not say the database is unreachable")
    result.expect(not unlogged, f"{len(unlogged)} request-log line(s) lost")
    return result
