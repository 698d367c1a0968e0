"""Queues welcome mails for the fault scenarios: `count` accounts, each with one WELCOME
row due now, written straight through the ORM (as bench/mail.py does), in the database
of DATABASE_URL. Every `bounce_every`-th address contains "bounce", for the server to
refuse.

    .venv/bin/python -m bench.faults.queue COUNT [--bounce-every N]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import db  # noqa: E402
from models.accounts import Account, Role  # noqa: E402
from models.outbox import MailKind, OutboundEmail  # noqa: E402
from models.policies import policy_in_force  # noqa: E402
from settings import get_settings  # noqa: E402

BATCH = 1000


def address(n: int, bounce_every: int) -> str:
    word = "bounce" if bounce_every and n % bounce_every == 0 else "guest"
    return f"{word}{n}@faults.test"


async def queue(count: int, bounce_every: int) -> None:
    async with db.database(get_settings()):
        now = datetime.now(UTC)
        policy = await policy_in_force(now)
        first = await Account.all().count()
        for start in range(first, first + count, BATCH):
            numbers = range(start, min(first + count, start + BATCH))
            await Account.bulk_create(
                [
                    Account(
                        name=f"Guest {n}",
                        email=address(n, bounce_every),
                        password_hash="-",
                        role=Role.CUSTOMER,
                        policy_version_id=policy.id,
                        email_confirmation_nonce=secrets.token_hex(16),
                    )
                    for n in numbers
                ]
            )
            ids = await Account.filter(
                email__in=[address(n, bounce_every) for n in numbers]
            ).values_list("id", flat=True)
            await OutboundEmail.bulk_create(
                [
                    OutboundEmail(kind=MailKind.WELCOME, recipient_id=i, next_attempt_at=now)
                    for i in ids
                ]
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--bounce-every", type=int, default=0)
    arguments = parser.parse_args()
    asyncio.run(queue(arguments.count, arguments.bounce_every))
