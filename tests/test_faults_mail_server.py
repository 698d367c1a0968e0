"""The worker against a mail server that is down, refuses, cuts the connection or answers
too late (bench/faults/smtp.py, aiosmtpd on loopback): no mail is lost, a mail fails
only when the server refused it for good, and a mail goes out twice only when the
server received it without confirming it. The same faults against a real worker
process, with figures, are `python -m bench.faults --only mail`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bench.faults.database import row_ids
from bench.faults.smtp import FaultySmtp
from mailers.worker import Worker
from models.outbox import MailKind, MailState, OutboundEmail
from settings import Settings
from tests import factories
from tests.test_mail_delivery import time_passes


@pytest.fixture
def faulty() -> Iterator[FaultySmtp]:
    server = FaultySmtp().up()
    yield server
    server.down()


@pytest.fixture
def worker(settings: Settings, faulty: FaultySmtp) -> Worker:
    return Worker(
        settings.model_copy(
            update={
                "smtp_port": faulty.port,
                "smtp_timeout_seconds": 0.5,
                # Not due again within one drain: `time_passes()` makes it so.
                "mail_retry_base_seconds": 60.0,
            }
        )
    )


async def welcome_mails(*emails: str) -> list[OutboundEmail]:
    rows = []
    for email in emails:
        person = await factories.customer(email=email)
        rows.append(
            await OutboundEmail.create(
                kind=MailKind.WELCOME,
                recipient_id=person.account.id,
                next_attempt_at=datetime.now(UTC),
            )
        )
    return rows


async def states() -> dict[int, MailState]:
    return dict(await OutboundEmail.all().values_list("id", "state"))


@pytest.mark.parametrize("fault", ["unreachable", "greeting-421", "rcpt-451", "data-451"])
async def test_a_server_down_or_deferring_delays_mail_and_loses_none(fault, faulty, worker):
    # given three mails, and a server that is down or answers "try again later"
    rows = await welcome_mails("ada@example.com", "bob@example.com", "cy@example.com")
    if fault == "unreachable":
        faulty.down()
    else:
        faulty.faults.mode = fault
    # when the worker tries while the fault lasts
    tally = await worker.drain()
    # then every mail waits for another try, none failed, none arrived
    assert (tally.retried, tally.failed, tally.sent) == (3, 0, 0)
    assert set((await states()).values()) == {MailState.QUEUED}
    assert faulty.faults.delivered() == 0
    # when the server is back and the retry time comes
    if fault == "unreachable":
        faulty.up()
    else:
        faulty.faults.mode = "ok"
    await time_passes()
    await worker.drain()
    # then each mail arrived exactly once
    assert set((await states()).values()) == {MailState.SENT}
    assert row_ids(faulty.faults.received) == {row.id: 1 for row in rows}


async def test_a_550_fails_only_the_refused_recipient_with_the_server_reason(faulty, worker):
    # given a server that refuses one mailbox for good
    bounce, good = await welcome_mails("bounce@example.com", "bob@example.com")
    faulty.faults.reject = ("bounce",)
    # when
    tally = await worker.drain()
    # then that mail failed, with the code, and the other went out
    assert (tally.failed, tally.sent) == (1, 1)
    refused = await OutboundEmail.get(id=bounce.id)
    assert refused.state == MailState.FAILED
    assert refused.last_error == "550 5.1.1 Mailbox unavailable"
    assert row_ids(faulty.faults.received) == {good.id: 1}


@pytest.mark.parametrize("fault", ["drop-mid-data", "timeout-after-data"])
async def test_a_mail_the_server_never_confirmed_is_sent_again_once(fault, faulty, worker):
    # given a server that receives the first mail in full, then cuts the connection or
    # answers after the client's timeout: the client cannot know the mail arrived
    first, second = await welcome_mails("ada@example.com", "bob@example.com")
    if fault == "drop-mid-data":
        faulty.faults.drop_after_data = 1
    else:
        faulty.faults.slow_after_data, faulty.faults.slow_seconds = 1, 1.0
    # when the worker tries, and again when the retry time comes
    await worker.drain()
    assert (await OutboundEmail.get(id=first.id)).state == MailState.QUEUED
    await time_passes()
    await worker.drain()
    # then both were sent; only the unconfirmed one arrived twice (at least once)
    assert set((await states()).values()) == {MailState.SENT}
    assert row_ids(faulty.faults.received) == {first.id: 2, second.id: 1}
    assert faulty.faults.cut == 1
