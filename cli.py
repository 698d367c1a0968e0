"""The command line behind `python main.py`: serve, migrate, seed-demo, worker,
webhook-worker, purge, reencrypt, normalize-phones, create-staff. Each command reads the
settings, opens the database and calls one service."""

from __future__ import annotations

import argparse
import asyncio
import sys

import db
from errors import DomainError
from settings import Settings, get_settings
from web import logs


async def _migrate(settings: Settings) -> None:
    async with db.database(settings):
        applied = await db.apply_migrations(settings.database_url)
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))


async def _seed_demo(settings: Settings) -> None:
    from services.demo import DEMO_PASSWORD, demo_accounts, seed_demo

    if settings.is_production:
        # Demo accounts share a published password.
        raise SystemExit("backline: seed-demo refuses to run with APP_ENV=production")

    async with db.database(settings):
        created = await seed_demo(progress=_progress_bar("seeding"))
    print(f"demo data ready ({created} new account(s)); password '{DEMO_PASSWORD}' for each of:")
    for name, email, role in demo_accounts():
        print(f"  {email:<34} {role.value.lower():<9} {name}")


async def _create_staff(settings: Settings, email: str, name: str) -> None:
    from services.accounts import create_staff

    password = sys.stdin.readline().rstrip("\n")
    async with db.database(settings):
        try:
            account = await create_staff(name=name, email=email, password=password)
        except DomainError as error:
            field = getattr(error, "field", None)
            raise SystemExit(
                f"create-staff: {field + ': ' if field else ''}{error.message}"
            ) from None
    print(f"staff account {account.email} created (id {account.id})")


async def _worker(settings: Settings, once: bool) -> None:
    import signal

    from mailers.worker import Worker
    from services.scheduler import Scheduler

    logs.configure(settings.log_format, production=settings.is_production)
    worker = Worker(settings)
    async with db.database(settings):
        if once:
            try:
                tally = await worker.drain()
            except Exception as error:
                reason = db.unavailable(error)
                if reason is None:
                    raise
                await worker.release_held()
                raise SystemExit(f"mail: database {reason}; try again later") from None
            print(
                f"mail: {tally.sent} sent, {tally.retried} to retry, "
                f"{tally.failed} failed, {tally.dropped} dropped"
            )
            return
        stop = asyncio.Event()
        main = asyncio.current_task()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            # The first signal lets the mail being sent finish and gives the rest of the
            # batch back; a second one stops at once (the claim expires by itself).
            if stop.is_set():
                main.cancel()
                return
            print("mail worker: stopping after the current mail", flush=True)
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal)
        print(f"mail worker: delivering to {settings.smtp_host}:{settings.smtp_port}", flush=True)
        # Beside the mail, the scheduled jobs (daily purge), once across all workers.
        scheduled = asyncio.create_task(Scheduler(settings).run(stop))
        try:
            await worker.run(stop)
        except asyncio.CancelledError:
            print("mail worker: stopped at once", flush=True)
            return
        finally:
            # A purge under way is not waited for: it is left due for the next worker.
            scheduled.cancel()
            await asyncio.gather(scheduled, return_exceptions=True)
        print("mail worker: stopped", flush=True)


async def _webhook_worker(settings: Settings, once: bool) -> None:
    import signal

    from webhooks.worker import WebhookWorker

    logs.configure(settings.log_format, production=settings.is_production)
    worker = WebhookWorker(settings)
    async with db.database(settings):
        if once:
            tally = await worker.drain()
            print(
                f"webhooks: {tally.delivered} delivered, {tally.retried} to retry, "
                f"{tally.failed} failed, {tally.dropped} dropped"
            )
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        print("webhook worker: delivering to partners' endpoints", flush=True)
        await worker.run(stop)


def _progress_bar(description: str):
    """A progress bar on a terminal; nothing in cron or CI."""
    from tqdm import tqdm

    bar: tqdm | None = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=description, disable=not sys.stderr.isatty())
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update


async def _purge(settings: Settings) -> None:
    from services.retention import purge_as_configured

    async with db.database(settings):
        report = await purge_as_configured(settings, _progress_bar("erasing cancelled accounts"))
    print(
        f"purge: {report.erased} account(s) erased, {report.held} kept under a legal hold, "
        f"{report.logs_deleted} request log entries, {report.withdrawals_deleted} ended "
        f"share(s), {report.deliveries_deleted} webhook deliveries and "
        f"{report.referral_memories_deleted} remembered invitation(s) deleted"
    )


async def _reencrypt(settings: Settings) -> None:
    from models.crypto import reencrypt_all

    async with db.database(settings):
        count = await reencrypt_all(progress=_progress_bar("re-encrypting"))
    print(f"reencrypt: {count} value(s) now encrypted with the first key of ENCRYPTION_KEYS")


async def _normalize_phones(settings: Settings) -> None:
    from services.profiles import normalize_stored_phones

    async with db.database(settings):
        report = await normalize_stored_phones(
            settings.default_phone_region, progress=_progress_bar("normalizing phones")
        )
    print(
        f"normalize-phones: {report.checked} number(s) checked, {report.normalized} rewritten "
        f"in E.164, {report.invalid} invalid left as they are (their owners correct them)"
    )


def _prepare_metrics_folder(settings: Settings, port: int, workers: int) -> None:
    """prometheus-client's multiprocess mode, set up before any worker starts: with several
    workers (or PROMETHEUS_MULTIPROC_DIR exported), each worker inherits
    PROMETHEUS_MULTIPROC_DIR pointing at a folder of this server's own (one per port, so
    two servers on one host never mix or wipe each other's counts), made empty so that an
    earlier run's counts do not add up. One worker otherwise keeps its metrics in memory."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    names = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")
    if workers <= 1 and not any(name in os.environ for name in names):
        return
    base = settings.prometheus_multiproc_dir or Path(tempfile.gettempdir()) / "backline-prometheus"
    folder = Path(base) / str(port)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    os.environ.pop("prometheus_multiproc_dir", None)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    # A bad setting stops here, with one line, before any worker starts.
    settings = get_settings()
    _prepare_metrics_folder(settings, args.port, args.workers)
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        # IPs are personal data: they go to the request log, which is purged on time.
        access_log=False,
        log_config=None,
        # SIGTERM: no new connections, requests in flight finish (this long at most),
        # then the lifespan writes the request log's last lines.
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="Backline API")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API (GraphiQL at /graphql)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    commands.add_parser("migrate", help="apply the database migrations")
    commands.add_parser("seed-demo", help="add demo performers, listings and a customer")
    worker = commands.add_parser("worker", help="deliver queued mail over SMTP")
    worker.add_argument("--once", action="store_true", help="send what is due, then exit")
    webhook_worker = commands.add_parser(
        "webhook-worker", help="deliver webhooks to partners' endpoints"
    )
    webhook_worker.add_argument(
        "--once", action="store_true", help="deliver what is due, then exit"
    )
    commands.add_parser(
        "purge", help="erase cancelled accounts past RETENTION_DAYS and old request logs"
    )
    commands.add_parser("reencrypt", help="re-encrypt sensitive fields with the newest key")
    commands.add_parser(
        "normalize-phones",
        help="rewrite stored phone numbers in E.164 (DEFAULT_PHONE_REGION for those without +)",
    )
    staff = commands.add_parser("create-staff", help="create a staff account")
    staff.add_argument("--email", required=True)
    staff.add_argument("--name", required=True)
    staff.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input, so it stays out of shell history",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.command == "serve":
        _serve(args)
        return
    settings = get_settings()
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
    elif args.command == "seed-demo":
        asyncio.run(_seed_demo(settings))
    elif args.command == "purge":
        asyncio.run(_purge(settings))
    elif args.command == "reencrypt":
        asyncio.run(_reencrypt(settings))
    elif args.command == "normalize-phones":
        asyncio.run(_normalize_phones(settings))
    elif args.command == "worker":
        asyncio.run(_worker(settings, args.once))
    elif args.command == "webhook-worker":
        asyncio.run(_webhook_worker(settings, args.once))
    elif args.command == "create-staff":
        asyncio.run(_create_staff(settings, args.email, args.name))
