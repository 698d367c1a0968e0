"""Graceful shutdown: SIGTERM to the API server under load, and to a mail worker in the
middle of a batch.

API: the request log is written only at shutdown here (REQUEST_LOG_FLUSH_SECONDS=60),
and each request carries its own User-Agent, so its log line can be found. Verdict:
every request the app processed got its answer (none cut off in flight), every answered
request has its request-log line (the buffer was written at exit), every registration
in the database was confirmed to its client, and the server exited with status 0.

Worker: it sends slowly (each mail takes 50 ms); once a few mails went out, the server
holds its reply to the next one for 2 s, and the worker gets SIGTERM while it waits.
Verdict: the worker exits once that reply came (not before: the mail in flight
finishes, and is SENT once), with status 0; no row is left SENDING or claimed; the rest
of its batch is QUEUED again with no attempt counted; no mail was sent twice; a new
worker sends the rest. A second SIGTERM stops it at once (`worker_forced`): its claims
then expire by themselves, and the mail it was sending may go out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
import time
from pathlib import Path

from bench.faults import database
from bench.faults.load import Load, outcomes
from bench.faults.mail_server import prepare
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

# How long a busy machine may take to answer the first requests before the signal.
LOAD_DEADLINE = 60.0


async def api(load_seconds: float = 1.5, loops: int = 8, workers: int = 1) -> Result:
    """One worker on SQLite; several on PostgreSQL (SQLite takes one writer at a time,
    and a second process's write may find it busy)."""
    name = "SQLite" if workers == 1 else "PostgreSQL"
    result = Result(f"SIGTERM: API under load ({workers} worker(s), {name})")
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-stop-"))
    with contextlib.ExitStack() as stack:
        if workers == 1:
            url = f"sqlite://{folder / 'stop.sqlite3'}"
        else:
            url = stack.enter_context(PrivatePostgres()).url
        try:
            return await _api(result, folder, url, load_seconds, loops, workers)
        finally:
            keep(folder)


async def _api(
    result: Result, folder: Path, url: str, load_seconds: float, loops: int, workers: int
) -> Result:
    env = base_env(
        DATABASE_URL=url,
        REQUEST_LOG_FLUSH_SECONDS="60",
        RATE_LIMIT_REGISTER_PER_IP="1000000/hour",
    )
    await asyncio.to_thread(migrate, env)
    server = await asyncio.to_thread(ApiServer(env, folder / "api.log", workers).start)
    load = Load(server.url, loops=loops, close_connections=True)
    running = asyncio.create_task(load.run())
    # At least `load_seconds` of load, and on a busy machine until every loop has had an
    # answer: the signal must land on a server that is serving, however slow it started.
    await asyncio.sleep(load_seconds)

    async def every_loop_answered() -> bool:
        served = sum(not a.outcome.startswith("transport") for a in load.answers)
        return served >= loops

    waited = await sleep_until(every_loop_answered, within=LOAD_DEADLINE)
    asked = len(load.answers)
    server.signal(signal.SIGTERM)
    stopped_at = time.monotonic()
    status = await asyncio.to_thread(server.wait, 60)
    shutdown_seconds = time.monotonic() - stopped_at
    load.stop.set()
    await running
    logged = {
        row[0]
        for row in await database.rows(
            url, "SELECT user_agent FROM request_log WHERE user_agent LIKE 'faults-load/%'"
        )
    }
    accounts = {
        row[0]
        for row in await database.rows(url, "SELECT email FROM account WHERE email LIKE 'load%'")
    }
    answered = {a.agent for a in load.answers if not a.outcome.startswith("transport")}
    unanswered = {a.agent for a in load.answers if a.outcome.startswith("transport")}
    cut_off = logged & unanswered
    unlogged = answered - logged
    unconfirmed = accounts - set(load.registered)
    in_flight = sum(a.at >= stopped_at and a.agent in answered for a in load.answers)
    result.figures = {
        "answered": len(answered),
        "finished after SIGTERM": in_flight,
        "cut off": len(cut_off),
        "log lines missing": len(unlogged),
        "refused after": len(unanswered - logged),
        "exit": status,
        "shutdown s": shutdown_seconds,
    }
    result.expect(
        waited is not None,
        f"no load before the signal: {asked} answer(s) in {load_seconds + LOAD_DEADLINE:.0f} s",
    )
    # uvicorn ends by raising the signal it caught again, once it has shut down
    # cleanly, so that whoever sent it sees it: status -15 is that, 0 is fine too.
    result.expect(status in (0, -signal.SIGTERM), f"exit status {status}")
    result.expect(not cut_off, f"{len(cut_off)} processed request(s) got no answer")
    result.expect(not unlogged, f"{len(unlogged)} answered request(s) missing from the log")
    result.expect(not unconfirmed, f"{len(unconfirmed)} registration(s) never confirmed")
    bad = [a for a in load.answers if a.agent in answered and a.outcome != "ok"]
    result.expect(not bad, f"answers other than ok: {outcomes(bad).most_common(3)}")
    return result


HELD_REPLY = 2.0


async def worker(count: int = 200) -> Result:
    result = Result("SIGTERM: mail worker mid-batch")
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-stop-"))
    try:
        template = await prepare(folder, count)
        url = f"sqlite://{template}"
        with FaultySmtp() as smtp:
            smtp.faults.delay_seconds = 0.05
            env = base_env(
                DATABASE_URL=url,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp.port),
                MAIL_BATCH_SIZE="50",
                WORKER_POLL_SECONDS="0.1",
            )
            first = MailWorker(env, folder / "worker.log").start()

            async def some_sent() -> bool:
                return (await database.outbox_states(url))["SENT"] >= 5

            await sleep_until(some_sent, within=60)
            smtp.faults.slow_seconds, smtp.faults.slow_after_data = HELD_REPLY, 1

            async def reply_held() -> bool:
                return smtp.faults.cut == 1

            await sleep_until(reply_held, within=30)
            first.signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            status = await asyncio.to_thread(first.wait, 60)
            exit_seconds = time.monotonic() - stopped_at
            states = await database.outbox_states(url)
            claimed = await database.value(
                url, "SELECT COUNT(*) FROM outbound_email WHERE claim IS NOT NULL"
            )
            retried = await database.value(
                url, "SELECT COUNT(*) FROM outbound_email WHERE state = 'QUEUED' AND attempts > 0"
            )
            duplicates_at_stop = smtp.faults.duplicates()
            second = MailWorker(env, folder / "worker-2.log").start()

            async def drained() -> bool:
                return await database.unfinished(url) == 0

            await sleep_until(drained, within=120, interval=0.2)
            second.stop()
            final = await database.outbox_states(url)
            log = first.output()
    finally:
        keep(folder)
    result.figures = {
        "sent before stop": states["SENT"],
        "given back": states["QUEUED"],
        "left SENDING": states["SENDING"],
        "exit": status,
        "exit s": exit_seconds,
        "duplicates": smtp.faults.duplicates(),
        "sent in all": final["SENT"],
    }
    result.expect(status == 0, f"exit status {status}")
    result.expect(
        HELD_REPLY / 2 < exit_seconds < HELD_REPLY + 3,
        f"took {exit_seconds:.1f} s to stop, the reply came after {HELD_REPLY} s",
    )
    result.expect(states["SENDING"] == 0 and claimed == 0, "rows left claimed")
    result.expect(retried == 0, f"{retried} row(s) given back with an attempt counted")
    result.expect(states["QUEUED"] > 0, "nothing was left to give back (the stop came too late)")
    result.expect(duplicates_at_stop == 0 and smtp.faults.duplicates() == 0, "a mail sent twice")
    result.expect(final["SENT"] == count, f"in the end: {dict(final)}")
    result.expect("stopping after the current mail" in log, "the worker did not say it stops")
    return result


async def worker_forced(count: int = 40) -> Result:
    """A second SIGTERM while a reply is held for long: the worker stops at once."""
    result = Result("SIGTERM twice: mail worker stops at once")
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-stop-"))
    try:
        template = await prepare(folder, count)
        url = f"sqlite://{template}"
        with FaultySmtp() as smtp:
            smtp.faults.slow_after_data, smtp.faults.slow_seconds = 1, 20
            env = base_env(
                DATABASE_URL=url,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp.port),
                SMTP_TIMEOUT_SECONDS="30",
                MAIL_CLAIM_SECONDS="60",
            )
            worker = MailWorker(env, folder / "worker.log").start()

            async def reply_held() -> bool:
                return smtp.faults.cut == 1

            await sleep_until(reply_held, within=30)
            worker.signal(signal.SIGTERM)
            await asyncio.sleep(1)
            waited = worker.running
            worker.signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            status = await asyncio.to_thread(worker.wait, 30)
            exit_seconds = time.monotonic() - stopped_at
            claimed = await database.value(
                url, "SELECT COUNT(*) FROM outbound_email WHERE state = 'SENDING'"
            )
            log = worker.output()
    finally:
        keep(folder)
    result.figures = {"exit s": exit_seconds, "exit": status, "left claimed": claimed}
    result.expect(waited, "the first SIGTERM did not wait for the mail in flight")
    result.expect(exit_seconds < 2, f"took {exit_seconds:.1f} s after the second SIGTERM")
    result.expect(status == 0, f"exit status {status}")
    result.expect("stopped at once" in log, "the worker did not say it stopped at once")
    result.expect(claimed > 0, "nothing left claimed: the stop came too late")
    return result
