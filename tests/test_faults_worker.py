"""The worker stopping, outliving its claim, and losing its database, in-process against
the loopback SMTP server: a stop gives the unsent rest of a batch back at once; a slow
batch keeps its claim and leaves to another worker what that worker took over; a
database that goes away fails no mail. The same against real processes (SIGTERM,
SIGKILL) are in tests/test_faults_processes.py."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

import db
from mailers import worker as worker_module
from mailers.worker import Worker
from models.outbox import MailKind, MailState, OutboundEmail
from tests import factories

CLAIM = 60.0


async def queue(count: int) -> list[OutboundEmail]:
    rows = []
    for n in range(count):
        person = await factories.customer(email=f"guest{n}@example.com")
        rows.append(
            await OutboundEmail.create(
                kind=MailKind.WELCOME,
                recipient_id=person.account.id,
                next_attempt_at=datetime.now(UTC),
            )
        )
    return rows


@pytest.fixture
def worker(mail_settings) -> Worker:
    return Worker(mail_settings.model_copy(update={"mail_claim_seconds": CLAIM}))


def after_each_mail(worker: Worker, then) -> None:
    """Runs `then(number)` once each mail of a batch is handled."""
    deliver = worker._deliver_isolated
    handled = 0

    async def counting(connection, row):
        nonlocal handled
        tally = await deliver(connection, row)
        handled += 1
        await then(handled)
        return tally

    worker._deliver_isolated = counting


async def test_a_stopping_worker_finishes_its_mail_and_gives_the_rest_back_at_once(worker, inbox):
    # given a batch of five claimed mails, and a stop asked while the first is sent
    await queue(5)
    stop = asyncio.Event()

    async def stop_after_first(handled: int) -> None:
        stop.set()

    after_each_mail(worker, stop_after_first)
    batch = await worker.claim()
    # when the worker delivers the batch
    tally = await worker.deliver(batch, stop)
    # then the mail in flight went out, and the other four are free for anyone now, with
    # no attempt counted and no claim to wait out
    assert (tally.sent, tally.released) == (1, 4)
    assert len(inbox.messages) == 1
    rest = await OutboundEmail.filter(state=MailState.QUEUED)
    assert len(rest) == 4
    assert {(row.claim, row.claimed_until, row.attempts) for row in rest} == {(None, None, 0)}
    assert worker.held == set()
    # and another worker sends them at once
    assert (await Worker(worker.settings).drain()).sent == 4


async def test_a_stopped_worker_claims_nothing_more(worker, inbox):
    # given due mail, and a worker told to stop
    await queue(2)
    stop = asyncio.Event()
    stop.set()
    # when it drains
    tally = await worker.drain(stop)
    # then it claimed nothing: the mail is free for the other workers
    assert tally.handled == 0
    assert await OutboundEmail.filter(state=MailState.QUEUED, claim=None).count() == 2


async def test_a_batch_past_half_its_claim_renews_it_and_leaves_rows_others_took(worker, inbox):
    # given a claimed batch of three, whose claim is already past its half
    rows = await queue(3)
    batch = await worker.claim()
    late = datetime.now(UTC) + timedelta(seconds=CLAIM / 4)
    await OutboundEmail.filter(claim=batch[0].claim).update(claimed_until=late)
    for row in batch:
        row.claimed_until = late
    # and the last row, its claim run out, taken over by another worker meanwhile
    await OutboundEmail.filter(id=rows[2].id).update(claim="another-worker")
    renewed: list[datetime] = []

    async def read_claim(handled: int) -> None:
        if handled == 1:
            renewed.append((await OutboundEmail.get(id=rows[1].id)).claimed_until)

    after_each_mail(worker, read_claim)
    # when it delivers the batch
    tally = await worker.deliver(batch)
    # then it renewed its claim before sending, for a whole claim again
    assert renewed[0] > late + timedelta(seconds=CLAIM / 2)
    # and sent its two rows, leaving the third to the worker that holds it
    assert tally.sent == 2
    assert len(inbox.messages) == 2
    taken = await OutboundEmail.get(id=rows[2].id)
    assert (taken.state, taken.claim) == (MailState.SENDING, "another-worker")


async def test_a_mail_is_not_failed_because_the_database_went_away(worker, inbox, monkeypatch):
    # given a mail, and a database connection that drops while the worker checks it
    [row] = await queue(1)
    check = worker_module.mail.reason_not_to_deliver
    calls = 0

    async def drops_once(mail_row):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")
        return await check(mail_row)

    monkeypatch.setattr(worker_module.mail, "reason_not_to_deliver", drops_once)
    batch = await worker.claim()
    # when it delivers: the outage stops the batch
    with pytest.raises(db.Unavailable):
        await worker.deliver(batch)
    # then the mail is not FAILED: it stays claimed by this worker...
    held = await OutboundEmail.get(id=row.id)
    assert (held.state, held.attempts) == (MailState.SENDING, 0)
    assert worker.held == {held.claim}
    # ...which gives it back once the database answers, and sends it
    assert await worker.release_held() == 1
    assert (await worker.drain()).sent == 1
    assert len(inbox.messages) == 1


async def test_the_worker_loop_outlives_an_outage_and_says_so_once(
    worker, inbox, monkeypatch, caplog
):
    # given a database that refuses connections three times, then answers
    caplog.set_level(logging.INFO, logger="backline.mail")
    await queue(1)
    claim = worker.claim
    refusals = 3

    async def refused_then_fine():
        nonlocal refusals
        if refusals:
            refusals -= 1
            raise ConnectionRefusedError(111, "Connect call failed")
        return await claim()

    monkeypatch.setattr(worker, "claim", refused_then_fine)
    worker.settings = worker.settings.model_copy(update={"worker_poll_seconds": 0.01})
    stop = asyncio.Event()
    # when the worker runs until the mail arrives
    running = asyncio.create_task(worker.run(stop))
    for _ in range(500):
        if inbox.messages:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running
    # then it kept going, sent the mail, and logged the outage once and its end once
    assert len(inbox.messages) == 1
    assert caplog.text.count("mail: database unreachable") == 1
    assert caplog.text.count("the database answers again") == 1


async def test_a_row_another_worker_took_over_is_left_for_that_worker_to_record(worker, inbox):
    # given a claimed mail whose claim ran out and was taken over while it was sent
    await queue(1)
    [row] = await worker.claim()
    deliver_one = worker._deliver_one

    async def sent_while_taken(connection, mail_row):
        await OutboundEmail.filter(id=mail_row.id).update(claim="another-worker")
        return await deliver_one(connection, mail_row)

    worker._deliver_one = sent_while_taken
    # when the first worker finishes sending it
    await worker.deliver([row])
    # then it does not write over the other worker's claim: that one records the outcome
    taken = await OutboundEmail.get(id=row.id)
    assert (taken.state, taken.claim) == (MailState.SENDING, "another-worker")


def test_a_claim_shorter_than_two_smtp_timeouts_stops_start_up():
    from pydantic import ValidationError

    from settings import Settings

    with pytest.raises(ValidationError, match="at least twice SMTP_TIMEOUT_SECONDS"):
        Settings(mail_claim_seconds=50, smtp_timeout_seconds=30)
    assert Settings(mail_claim_seconds=60, smtp_timeout_seconds=30).mail_claim_seconds == 60
