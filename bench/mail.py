"""Mail benchmark: the time to queue a promotion to many accounts, and how many mails
per second one worker delivers into a local SMTP server (aiosmtpd on loopback).

    .venv/bin/python bench/mail.py [--accounts 100000] [--deliver 2000] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary folder; with a
PostgreSQL URL it empties that database first. Prints its figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import connections  # noqa: E402

import db  # noqa: E402
from mailers.worker import Worker  # noqa: E402
from models.accounts import Account, PrivacyPreferences, Role  # noqa: E402
from models.auth import hash_password  # noqa: E402
from models.outbox import MailState, OutboundEmail  # noqa: E402
from models.policies import policy_in_force  # noqa: E402
from privacy.viewer import Viewer  # noqa: E402
from services.promotions import send_promotion  # noqa: E402
from settings import Settings  # noqa: E402
from tests.smtp import free_port  # noqa: E402


async def make_accounts(count: int) -> Account:
    policy = await policy_in_force(datetime.now(UTC))
    password_hash = hash_password("benchmark password")
    batch = 5000
    for start in range(0, count, batch):
        accounts = [
            Account(
                name=f"Bench {n}",
                email=f"bench{n}@example.com",
                password_hash=password_hash,
                role=Role.CUSTOMER,
                policy_version_id=policy.id,
            )
            for n in range(start, min(count, start + batch))
        ]
        await Account.bulk_create(accounts)
    ids = await Account.all().values_list("id", flat=True)
    for start in range(0, len(ids), batch):
        await PrivacyPreferences.bulk_create(
            [
                PrivacyPreferences(
                    account_id=account_id,
                    promotional_emails=True,
                    partner_promotions=False,
                    contact_sharing=False,
                    targeted_ads=False,
                )
                for account_id in ids[start : start + batch]
            ]
        )
    return await Account.create(
        name="Bench staff",
        email="staff@example.com",
        password_hash=password_hash,
        role=Role.STAFF,
        policy_version_id=policy.id,
    )


async def wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise SystemExit(f"the SMTP server did not start on port {port}")


async def main(args: argparse.Namespace) -> None:
    folder = tempfile.mkdtemp(prefix="backline-bench-")
    url = args.database_url or f"sqlite://{folder}/bench.sqlite3"
    # A separate process, so that the server does not share this one's CPU and GIL.
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 (starts and returns at once)
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{port}",
        ]
    )
    settings = Settings(database_url=url, smtp_port=port, public_url="http://bench.local")
    try:
        await wait_for_port(port)
        async with db.database(settings):
            if url.startswith("postgres"):
                await connections.get("default").execute_script(
                    "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
                )
            await db.apply_migrations(url)
            started = time.perf_counter()
            staff = await make_accounts(args.accounts)
            print(
                f"database: {url.split('://')[0]}; {args.accounts} consenting accounts "
                f"created in {time.perf_counter() - started:.1f} s"
            )

            started = time.perf_counter()
            # The staff member as signed in (any session id): the bench times the
            # use case, not sign-in.
            queued = await send_promotion(
                Viewer(account=staff, session_id=0),
                subject="Bench",
                body="Hello",
                on_behalf_of_partner=None,
            )
            elapsed = time.perf_counter() - started
            print(
                f"sendPromotion queued {queued} mails in {elapsed:.2f} s "
                f"({queued / elapsed:,.0f} per second)"
            )

            keep = (
                await OutboundEmail.all()
                .order_by("id")
                .limit(args.deliver)
                .values_list("id", flat=True)
            )
            await OutboundEmail.filter(id__gt=keep[-1]).update(state=MailState.DROPPED)
            worker = Worker(settings.model_copy(update={"mail_batch_size": 100}))
            started = time.perf_counter()
            tally = await worker.drain()
            elapsed = time.perf_counter() - started
            print(
                f"one worker delivered {tally.sent} mails in {elapsed:.2f} s "
                f"({tally.sent / elapsed:,.0f} mails per second; {tally.retried} retried, "
                f"{tally.failed} failed)"
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--deliver", type=int, default=2_000)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
