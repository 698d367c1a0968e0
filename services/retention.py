"""`python main.py purge`: cancelled accounts past RETENTION_DAYS and under no active
legal hold are erased, request logs older than LOG_RETENTION_DAYS deleted, ended shares
older than WITHDRAWAL_RETENTION_DAYS leave the partners' withdrawals feed, finished
webhook deliveries older than WEBHOOK_DELIVERY_LOG_DAYS leave their log, what email a
friend remembers goes after REFERRAL_MEMORY_DAYS, and the space is reclaimed; safe to
repeat. Who is due, and what erasing keeps, is privacy/retention.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from models.accounts import Account, AccountStatus
from models.audit import AuditAction, AuditEvent
from models.referrals import forget_expired
from models.retention import RequestLog
from models.sharing import ShareEnded
from models.webhooks import DeliveryState, WebhookDelivery
from privacy.retention import due_for_erasure, reclaim_space
from settings import Settings

FINISHED_DELIVERIES = (DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.DROPPED)


@dataclass
class PurgeReport:
    erased: int = 0
    held: int = 0
    logs_deleted: int = 0
    withdrawals_deleted: int = 0
    deliveries_deleted: int = 0
    referral_memories_deleted: int = 0


async def erase(account_id: int) -> None:
    """Deletes a cancelled account and (ON DELETE CASCADE) every row about the person;
    one ACCOUNT_ERASED event, with no personal data, records that it happened."""
    async with in_transaction():
        account = await Account.get_or_none(id=account_id, status=AccountStatus.CANCELLED)
        if account is None:
            return
        cancelled_on = account.cancelled_at.date().isoformat() if account.cancelled_at else None
        await account.delete()
        await AuditEvent.create(
            action=AuditAction.ACCOUNT_ERASED, detail={"cancelled_on": cancelled_on}
        )


async def purge_as_configured(
    settings: Settings, progress: Callable[[int, int], None] | None = None
) -> PurgeReport:
    """The purge with every retention of `settings`: the one call of the command line
    and of the worker's daily run, so that neither forgets a log."""
    return await purge(
        retention_days=settings.retention_days,
        log_retention_days=settings.log_retention_days,
        withdrawal_retention_days=settings.withdrawal_retention_days,
        delivery_log_days=settings.webhook_delivery_log_days,
        referral_memory_days=settings.referral_memory_days,
        progress=progress,
    )


async def purge(
    *,
    retention_days: int,
    log_retention_days: int,
    withdrawal_retention_days: int | None = None,
    delivery_log_days: int | None = None,
    referral_memory_days: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PurgeReport:
    now = now or datetime.now(UTC)
    report = PurgeReport()
    due, report.held = await due_for_erasure(now, retention_days)
    for done, account_id in enumerate(due, start=1):
        await erase(account_id)
        report.erased += 1
        if progress:
            progress(done, len(due))
    report.logs_deleted = await RequestLog.filter(
        occurred_at__lt=now - timedelta(days=log_retention_days)
    ).delete()
    if withdrawal_retention_days is not None:
        # A partner that has not synced for this long has broken its duty to delete
        # anyway; the feed does not keep every ending for ever.
        report.withdrawals_deleted = await ShareEnded.filter(
            ended_at__lt=now - timedelta(days=withdrawal_retention_days)
        ).delete()
    if delivery_log_days is not None:
        report.deliveries_deleted = await WebhookDelivery.filter(
            state__in=FINISHED_DELIVERIES,
            occurred_at__lt=now - timedelta(days=delivery_log_days),
        ).delete()
    if referral_memory_days is not None:
        # The keyed digests of invited friends' addresses (privacy/referrals.py).
        report.referral_memories_deleted = await forget_expired(
            now - timedelta(days=referral_memory_days)
        )
    await reclaim_space()
    return report
