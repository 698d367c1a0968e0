"""The worker against mail that cannot go out, on a real SMTP server on loopback: one
mail's fault stays with that mail, and what is stored or logged about a failure holds
no address."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from mailers.worker import Worker
from models.outbox import MailKind, MailState, OutboundEmail
from tests import factories
from tests.test_mail_delivery import time_passes
from tests.test_referrals import every_stored_value

ECHOING_BOUNCE = "550 5.1.1 <{address}>: Recipient address rejected"


async def queue(kind: MailKind, **row) -> OutboundEmail:
    """An outbox row written straight to the database, as no input check would allow."""
    return await OutboundEmail.create(kind=kind, next_attempt_at=datetime.now(UTC), **row)


async def test_one_bad_name_does_not_stop_the_worker(mail_settings, inbox, caplog):
    # given a referral whose friend's name breaks a header, and a good mail after it
    caplog.set_level(logging.INFO, logger="backline.mail")
    ada = await factories.customer(name="Ada")
    bob = await factories.customer(email="bob@example.com")
    bad = await queue(
        MailKind.REFERRAL,
        sender_id=ada.account.id,
        to_name="Zebedee\r\nBcc: spy@example.net",
        to_address="zebedee.target@example.org",
    )
    await queue(MailKind.WELCOME, recipient_id=bob.account.id)
    worker = Worker(mail_settings)
    # when one worker delivers the batch it claimed
    batch = await worker.claim()
    assert len(batch) == 2
    tally = await worker.deliver(batch)
    # then the good mail arrived, and only it
    assert (tally.sent, tally.failed) == (1, 1)
    assert len(inbox.to("bob@example.com")) == 1
    assert len(inbox.messages) == 1 and inbox.rcpt_tried == ["bob@example.com"]
    # and the bad one failed for good, with the friend's details erased
    row = await OutboundEmail.get(id=bad.id)
    assert row.state == MailState.FAILED
    assert row.last_error == "not sent: unexpected HeaderParseError"
    assert (row.to_address, row.to_name, row.context) == (None, None, {})
    stored = await every_stored_value()
    assert "zebedee" not in stored and "spy@" not in stored
    # and the log tells staff what broke, without the friend's name or address
    assert "not sent: unexpected HeaderParseError" in caplog.text
    assert "zebedee" not in caplog.text.lower() and "spy@" not in caplog.text
    assert await worker.drain() == type(tally)()


async def test_any_unexpected_error_fails_only_its_own_mail(mail_settings, inbox):
    # given a notice whose template data is missing, a friend's address that cannot go
    # in a header (a line break would start a header of its own; a non-ASCII address
    # goes, with SMTPUTF8: tests/test_mail_delivery.py), and a good mail after them
    ada = await factories.customer(name="Ada")
    bob = await factories.customer(email="bob@example.com")
    broken = await queue(MailKind.POLICY_NOTICE, recipient_id=ada.account.id, context={})
    unusable = await queue(
        MailKind.REFERRAL,
        sender_id=ada.account.id,
        to_name="Zoë",
        to_address="zoe@example.org\r\nBcc: eve@example.org",
    )
    await queue(MailKind.WELCOME, recipient_id=bob.account.id)
    # when
    tally = await Worker(mail_settings).drain()
    # then each fault failed its own mail, and the good one still went out
    assert (tally.sent, tally.failed) == (1, 2)
    assert len(inbox.to("bob@example.com")) == 1
    failed = {row.id: row for row in await OutboundEmail.filter(state=MailState.FAILED)}
    assert failed[broken.id].last_error == "not sent: unexpected KeyError"
    assert failed[unusable.id].last_error == "not sent: unexpected HeaderParseError"
    assert failed[unusable.id].to_address is None


async def test_a_bounce_that_echoes_the_address_is_stored_and_logged_without_it(
    mail_settings, inbox, caplog
):
    # given a mail the server first defers, then refuses, each time naming the address
    caplog.set_level(logging.INFO, logger="backline.mail")
    # (an apostrophe is allowed in an address, and must not end the redaction early)
    ada = await factories.customer(email="ada.o'hara@example.com")
    await queue(MailKind.WELCOME, recipient_id=ada.account.id)
    inbox.data_replies += ["451 4.2.2 <{address}>: Mailbox full", ECHOING_BOUNCE]
    worker = Worker(mail_settings)
    # when it is deferred
    await worker.deliver(await worker.claim())
    # then the reason kept for the retry says why, without the address
    row = await OutboundEmail.get()
    assert row.state == MailState.QUEUED
    assert row.last_error == "451 4.2.2 <[email]>: Mailbox full"
    # when it is refused
    await time_passes()
    await worker.drain()
    # then staff read the code and the reason, but not the address
    row = await OutboundEmail.get()
    assert row.state == MailState.FAILED
    assert row.last_error == "550 5.1.1 <[email]>: Recipient address rejected"
    # and the log says it failed, without the address either
    assert "failed: 550 5.1.1 <[email]>" in caplog.text
    assert "hara" not in caplog.text


async def test_a_mail_that_never_gets_through_is_tried_exactly_max_attempts_times(
    mail_settings, inbox
):
    # given a server that defers every try, and a worker that tries three times
    ada = await factories.customer(email="ada@example.com")
    await queue(MailKind.WELCOME, recipient_id=ada.account.id)
    inbox.rcpt_replies += ["451 4.3.0 Try again later"] * 10
    worker = Worker(mail_settings.model_copy(update={"mail_max_attempts": 3}))
    # when it keeps trying until it gives up
    tally = await worker.drain()
    # then the server saw three tries, and the row counts three
    assert (tally.retried, tally.failed) == (2, 1)
    assert inbox.rcpt_tried == ["ada@example.com"] * 3
    row = await OutboundEmail.get()
    assert (row.state, row.attempts) == (MailState.FAILED, 3)
    assert row.last_error == "gave up after 3 attempts: 451 4.3.0 Try again later"
