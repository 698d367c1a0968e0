"""Workers killed mid-batch: two `python main.py worker` processes share one outbox on
PostgreSQL (SELECT … FOR UPDATE SKIP LOCKED); one of them, picked at random, is killed
with SIGKILL at random moments, several times, and started again each time.

Verdict: every row SENT and received (nothing lost); duplicates at most one per kill
(a worker sends one mail at a time, so only the mail in flight at the kill can go out
twice); no row left SENDING once drained. A killed worker's claim expires after
MAIL_CLAIM_SECONDS, and the other worker (or its successor) sends the rest.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from pathlib import Path

from bench.faults import database
from bench.faults.processes import (
    PYTHON,
    ROOT,
    MailWorker,
    PrivatePostgres,
    base_env,
    migrate,
    sleep_until,
)
from bench.faults.report import Result
from bench.faults.smtp import FaultySmtp

WORKER_SETTINGS = {
    "SMTP_HOST": "127.0.0.1",
    "SMTP_TIMEOUT_SECONDS": "1",
    # Short, so that a killed worker's batch is sent again soon: twice the SMTP timeout.
    "MAIL_CLAIM_SECONDS": "2",
    "MAIL_RETRY_BASE_SECONDS": "0.2",
    "MAIL_BATCH_SIZE": "20",
    "WORKER_POLL_SECONDS": "0.1",
}


async def queue(env: dict[str, str], count: int) -> None:
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bench.faults.queue",
        str(count),
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"queueing failed:\n{errors.decode()[-3000:]}")


async def run(count: int = 2000, kills: int = 5, seed: int = 7) -> Result:
    rng = random.Random(seed)
    result = Result("worker killed (2 workers, PostgreSQL)")
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-kill-"))
    try:
        with PrivatePostgres() as postgres, FaultySmtp() as smtp:
            url = postgres.url
            env = base_env(DATABASE_URL=url, SMTP_PORT=str(smtp.port), **WORKER_SETTINGS)
            await asyncio.to_thread(migrate, env)
            await queue(env, count)
            # Each mail takes a little while, as over a network: a kill lands mid-batch.
            smtp.faults.delay_seconds = 0.01
            workers = [MailWorker(env, folder / f"worker-{n}.log").start() for n in range(2)]
            done = 0
            killed_at_sent: list[int] = []
            while done < kills:
                await asyncio.sleep(rng.uniform(0.3, 1.5))
                sent = (await database.outbox_states(url))["SENT"]
                if sent >= count:
                    break
                victim = rng.randrange(2)
                workers[victim].kill()
                killed_at_sent.append(sent)
                done += 1
                workers[victim] = MailWorker(env, folder / f"worker-{victim}.log").start()
            last_kill = time.monotonic()

            async def drained() -> bool:
                return (await database.outbox_states(url))["SENT"] == count

            waited = await sleep_until(drained, within=180, interval=0.2)
            drain_seconds = time.monotonic() - last_kill
            for worker in workers:
                result.expect(worker.running, "a worker exited by itself")
                worker.stop()
            states = await database.outbox_states(url)
            stuck = await database.value(
                url,
                "SELECT COUNT(*) FROM outbound_email WHERE state = 'SENDING' "
                "AND claimed_until < now()",
            )
            all_ids = {row[0] for row in await database.rows(url, "SELECT id FROM outbound_email")}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    received = database.row_ids(smtp.faults.received)
    duplicates = smtp.faults.duplicates()
    lost = len(all_ids - set(received))
    result.figures = {
        "queued": count,
        "kills": done,
        "delivered": len(received),
        "duplicates": duplicates,
        "lost": lost,
        "stuck": stuck + states["SENDING"],
        "drain after last kill s": drain_seconds,
    }
    result.expect(waited is not None, f"not drained within 180 s: {dict(states)}")
    result.expect(lost == 0, f"{lost} mail(s) never received")
    result.expect(states["SENT"] == count, f"states at the end: {dict(states)}")
    result.expect(duplicates <= done, f"{duplicates} duplicates for {done} kill(s)")
    result.expect(stuck + states["SENDING"] == 0, "rows left SENDING")
    result.expect(done == kills, f"only {done} kill(s) before the queue was empty")
    return result
