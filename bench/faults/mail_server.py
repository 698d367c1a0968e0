"""The mail server down, slow or refusing, under a real worker process (`python main.py
worker`) and a queue of welcome mails: for each fault, how many mails were queued,
delivered (distinct Message-IDs the server received), duplicated, failed, and how long
the queue took to drain once the fault was over.

Verdict: nothing lost (every row SENT or FAILED, every SENT row received); FAILED only
for the recipients the server refused with 550, with that reason; duplicates only where
the server received a mail without confirming it (the connection cut after DATA, or a
reply later than the client's timeout), at most one per such mail.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from bench.faults import database
from bench.faults.processes import PYTHON, ROOT, MailWorker, base_env, migrate, sleep_until
from bench.faults.report import Result
from bench.faults.smtp import FaultySmtp

BOUNCE_EVERY = 10
CUT = 3  # mails received then cut off (drop, timeout) per fault
# A fault with a duration: on while the worker runs, then off. The others stay on.
WINDOWS = ("unreachable", "greeting-421", "rcpt-451", "data-451")
FAULTS = (*WINDOWS, "bounce-550", "drop-mid-data", "timeout-after-data")
WORKER_SETTINGS = {
    "SMTP_HOST": "127.0.0.1",
    "SMTP_TIMEOUT_SECONDS": "1",
    "MAIL_CLAIM_SECONDS": "10",
    "MAIL_RETRY_BASE_SECONDS": "0.2",
    "MAIL_MAX_ATTEMPTS": "30",
    "MAIL_BATCH_SIZE": "20",
    "WORKER_POLL_SECONDS": "0.1",
}


async def prepare(folder: Path, count: int) -> Path:
    """A migrated SQLite database with `count` welcome mails queued, copied per fault."""
    template = folder / "template.sqlite3"
    env = base_env(DATABASE_URL=f"sqlite://{template}")
    await asyncio.to_thread(migrate, env)
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bench.faults.queue",
        str(count),
        "--bounce-every",
        str(BOUNCE_EVERY),
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"queueing failed:\n{errors.decode()[-3000:]}")
    return template


def start_fault(smtp: FaultySmtp, fault: str) -> None:
    if fault == "unreachable":
        smtp.down()
    elif fault in ("greeting-421", "rcpt-451", "data-451"):
        smtp.faults.mode = fault
    elif fault == "bounce-550":
        smtp.faults.reject = ("bounce",)
    elif fault == "drop-mid-data":
        smtp.faults.drop_after_data = CUT
    elif fault == "timeout-after-data":
        smtp.faults.slow_after_data = CUT
        smtp.faults.slow_seconds = 1.5  # over SMTP_TIMEOUT_SECONDS


def end_fault(smtp: FaultySmtp, fault: str) -> None:
    if fault == "unreachable":
        smtp.up()
    else:
        smtp.faults.mode = "ok"


async def one(fault: str, template: Path, folder: Path, fault_seconds: float) -> Result:
    url = f"sqlite://{folder / fault}.sqlite3"
    shutil.copyfile(template, folder / f"{fault}.sqlite3")
    queued = sum((await database.outbox_states(url)).values())
    bounces = await database.value(
        url,
        "SELECT COUNT(*) FROM outbound_email o JOIN account a ON a.id = o.recipient_id "
        "WHERE a.email LIKE 'bounce%'",
    )
    result = Result(f"mail server: {fault}")
    smtp = FaultySmtp().up()
    env = base_env(DATABASE_URL=url, SMTP_PORT=str(smtp.port), **WORKER_SETTINGS)
    worker = MailWorker(env, folder / f"{fault}-worker.log")
    try:
        start_fault(smtp, fault)
        worker.start()
        if fault in WINDOWS:
            await asyncio.sleep(fault_seconds)
            end_fault(smtp, fault)
        recovered = time.monotonic()

        async def drained() -> bool:
            return await database.unfinished(url) == 0

        waited = await sleep_until(drained, within=120, interval=0.1)
        drain_seconds = time.monotonic() - recovered
        result.expect(worker.running, "the worker exited")
        worker.stop()
    finally:
        worker.kill()
        smtp.down()
    states = await database.outbox_states(url)
    received = database.row_ids(smtp.faults.received)
    sent_ids = {
        row[0]
        for row in await database.rows(url, "SELECT id FROM outbound_email WHERE state = 'SENT'")
    }
    failures = await database.rows(
        url,
        "SELECT a.email, o.last_error FROM outbound_email o JOIN account a "
        "ON a.id = o.recipient_id WHERE o.state = 'FAILED'",
    )
    duplicates = smtp.faults.duplicates()
    lost = len(sent_ids - set(received)) + states["QUEUED"] + states["SENDING"]
    result.figures = {
        "queued": queued,
        "delivered": len(received),
        "duplicates": duplicates,
        "failed": states["FAILED"],
        "lost": lost,
        "drain s": drain_seconds,
    }
    result.expect(waited is not None, "the queue did not drain within 120 s")
    result.expect(lost == 0, f"{lost} mail(s) lost")
    result.expect(len(received) == len(sent_ids), "received and SENT differ")
    if fault == "bounce-550":
        result.expect(len(failures) == bounces, f"{len(failures)} failed, {bounces} refused")
        result.expect(
            all("bounce" in email and error.startswith("550") for email, error in failures),
            "a failure other than the 550 refusals",
        )
    else:
        result.expect(not failures, f"{len(failures)} mail(s) failed: {failures[:3]}")
    result.expect(
        duplicates <= smtp.faults.cut,
        f"{duplicates} duplicates, but only {smtp.faults.cut} mail(s) were never confirmed",
    )
    if fault not in ("drop-mid-data", "timeout-after-data"):
        result.expect(duplicates == 0, f"{duplicates} duplicates though every mail was answered")
    return result


async def run(count: int = 100, fault_seconds: float = 2.0) -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-smtp-"))
    try:
        template = await prepare(folder, count)
        return [await one(fault, template, folder, fault_seconds) for fault in FAULTS]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
