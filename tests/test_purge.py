"""Retention: a cancelled account is erased RETENTION_DAYS later unless a legal hold
stands; request logs go after LOG_RETENTION_DAYS; purging twice changes nothing more."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise import connections

from models.accounts import Account, AccountStatus
from models.api_keys import ApiScope
from models.audit import AuditAction, AuditEvent
from models.purposes import Purpose
from models.retention import LegalHold, RequestLog
from models.sharing import ContactGrant, ShareEnded
from models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from services import api_keys, retention
from tests import factories
from tests.conftest import POSTGRES_URL
from tests.test_referrals import database_files, every_stored_value

SHARING = (Purpose.CONTACT_SHARING,)


async def cancelled(person, days_ago: float) -> None:
    await Account.filter(id=person.account.id).update(
        status=AccountStatus.CANCELLED,
        cancelled_at=datetime.now(UTC) - timedelta(days=days_ago),
    )


async def phone_ciphertext(person) -> bytes:
    """The phone number as stored: encrypted, so only its ciphertext can be searched."""
    _, rows = await connections.get("default").execute_query(
        "SELECT phone FROM account WHERE id = " + str(int(person.account.id))  # noqa: S608
    )
    ciphertext = rows[0]["phone"]
    assert ciphertext and "555" not in ciphertext
    return ciphertext.lower().encode()


async def sqlite_files(settings) -> bytes:
    await connections.get("default").execute_query("PRAGMA wal_checkpoint(TRUNCATE)")
    return database_files(settings)


async def purge(settings):
    return await retention.purge(
        retention_days=settings.retention_days, log_retention_days=settings.log_retention_days
    )


async def test_a_cancelled_account_past_retention_is_erased_everywhere(api, settings):
    # given someone with data in many tables, who cancelled long ago
    ada = await factories.customer(
        name="Ada Quimby", email="ada.quimby@example.com", granted=SHARING, phone="+1 512 555 0199"
    )
    band = await factories.performer(granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))
    await api.data("{ sharedContacts { edges { node { name } } } }", token=band.token)
    await cancelled(ada, settings.retention_days + 1)
    traces = [b"ada.quimby@example.com", b"ada quimby", await phone_ciphertext(ada)]
    if not POSTGRES_URL:
        # (the files are checked only where they can be read: SQLite's, beside the tests)
        on_disk = await sqlite_files(settings)
        assert all(trace in on_disk for trace in traces)
    # when
    report = await purge(settings)
    # then nothing identifies her any more, in any table
    assert report.erased == 1
    stored = await every_stored_value()
    assert "quimby" not in stored and traces[2].decode() not in stored
    # nor anywhere in the database files, free pages and WAL included
    if not POSTGRES_URL:
        on_disk = await sqlite_files(settings)
        assert not any(trace in on_disk for trace in traces)
    # and what must stay for legal reasons stays without her identity
    read = await AuditEvent.get(action=AuditAction.CONTACT_READ)
    assert read.subject_id is None and read.actor_id == band.account.id
    assert await AuditEvent.filter(action=AuditAction.ACCOUNT_ERASED).count() == 1
    # and a second run erases nothing more
    assert (await purge(settings)).erased == 0


async def test_a_recent_cancellation_is_kept_until_retention_ends(settings):
    ada = await factories.customer()
    await cancelled(ada, settings.retention_days - 1)
    assert (await purge(settings)).erased == 0
    assert await Account.exists(id=ada.account.id)


async def test_a_legal_hold_keeps_an_account_until_it_is_lifted_or_ends(settings):
    ada = await factories.customer()
    clerk = await factories.staff()
    await cancelled(ada, settings.retention_days + 10)
    hold = await LegalHold.create(
        account_id=ada.account.id, reason="Court order 12", placed_by_id=clerk.account.id
    )
    report = await purge(settings)
    assert (report.erased, report.held) == (0, 1)
    await LegalHold.filter(id=hold.id).update(ends_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await purge(settings)).erased == 1
    assert not await Account.exists(id=ada.account.id)


async def test_request_logs_older_than_their_retention_are_deleted(api, settings):
    await api.data("{ categories }")
    await api.data("{ categories }")
    old, recent = await RequestLog.all().order_by("id")
    await RequestLog.filter(id=old.id).update(
        occurred_at=datetime.now(UTC) - timedelta(days=settings.log_retention_days + 1)
    )
    report = await purge(settings)
    assert report.logs_deleted == 1
    assert [row.id for row in await RequestLog.all()] == [recent.id]


async def test_old_ended_shares_and_finished_deliveries_leave_their_logs(api):
    # given two shares that ended, one long ago, and two finished webhook deliveries and
    # a queued one, one of the finished long ago
    band = await factories.performer(granted=SHARING)
    ada = await factories.customer(granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))
    await ContactGrant.all().update(revoked_at=datetime.now(UTC))
    old_end, recent_end = await ShareEnded.all().order_by("id")
    long_ago = datetime.now(UTC) - timedelta(days=200)
    await ShareEnded.filter(id=old_end.id).update(ended_at=long_ago)
    key, _token = await api_keys.create_key(band.account, "CRM", [ApiScope.CONTACTS_READ])
    endpoint = await WebhookEndpoint.create(
        owner_id=band.account.id,
        api_key_id=key.id,
        url="https://partner.example/hook",
        events="SHARE_ENDED",
        secret="whsec_dGVzdA==",
    )
    deliveries = [
        await WebhookDelivery.create(
            endpoint_id=endpoint.id,
            event=WebhookEvent.SHARE_ENDED,
            message_id=f"msg_{n}",
            share_id=old_end.grant_id,
            occurred_at=when,
            state=state,
            next_attempt_at=when,
        )
        for n, (when, state) in enumerate(
            [
                (long_ago, DeliveryState.DELIVERED),
                (datetime.now(UTC), DeliveryState.DELIVERED),
                (long_ago, DeliveryState.QUEUED),
            ]
        )
    ]
    # when the purge runs with 180 days for the feed and 30 for the delivery log
    report = await retention.purge(
        retention_days=30,
        log_retention_days=90,
        withdrawal_retention_days=180,
        delivery_log_days=30,
    )
    # then only the old ending and the old finished delivery are gone
    assert (report.withdrawals_deleted, report.deliveries_deleted) == (1, 1)
    assert [row.id for row in await ShareEnded.all()] == [recent_end.id]
    kept = {row.id for row in await WebhookDelivery.all()}
    assert kept == {deliveries[1].id, deliveries[2].id}


def test_the_purge_command_is_quiet_and_repeatable(tmp_path):
    if POSTGRES_URL:
        return  # the command is the same on both; its own database here is SQLite
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite://{tmp_path / 'purge.sqlite3'}"
    run = [sys.executable, str(root / "main.py")]
    subprocess.run([*run, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    for _ in range(2):
        result = subprocess.run(
            [*run, "purge"], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("purge: 0 account(s) erased")
        assert result.stderr == ""
