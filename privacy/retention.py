"""Retention: data is kept while the account is active; a cancelled account is erased
RETENTION_DAYS later unless a legal hold stands; request logs go after
LOG_RETENTION_DAYS. `python main.py purge` runs this, safe to repeat.

Erasing deletes the account row, and with it (ON DELETE CASCADE) every row about the
person: preferences, consent ledger, sessions, API keys, listings, inquiries, grants,
testimonials, mail and request logs. What must stay for legal obligations stays
without the identity: audit events (reads of contact data, staff actions, legal
disclosures) lose their link to the person (ON DELETE SET NULL), and one
ACCOUNT_ERASED event records that an erasure happened, with no personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from models.accounts import Account, AccountStatus
from models.audit import AuditAction, AuditEvent
from models.retention import LegalHold, RequestLog
from privacy import holds


@dataclass
class PurgeReport:
    erased: int = 0
    held: int = 0
    logs_deleted: int = 0


async def due_for_erasure(now: datetime, retention_days: int) -> tuple[list[int], int]:
    """Ids of cancelled accounts past retention and not held, and how many are held."""
    cutoff = now - timedelta(days=retention_days)
    due = await Account.filter(
        status=AccountStatus.CANCELLED, cancelled_at__lte=cutoff
    ).values_list("id", flat=True)
    held = set(
        await LegalHold.filter(holds.active(now), account_id__in=due).values_list(
            "account_id", flat=True
        )
    )
    return [account_id for account_id in due if account_id not in held], len(held)


async def erase(account_id: int) -> None:
    async with in_transaction():
        account = await Account.get_or_none(id=account_id, status=AccountStatus.CANCELLED)
        if account is None:
            return
        cancelled_on = account.cancelled_at.date().isoformat() if account.cancelled_at else None
        await account.delete()
        await AuditEvent.create(
            action=AuditAction.ACCOUNT_ERASED, detail={"cancelled_on": cancelled_on}
        )


async def purge(
    *,
    retention_days: int,
    log_retention_days: int,
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
    await reclaim_space()
    return report


async def reclaim_space() -> None:
    """Erased means gone from disk. SQLite overwrites deleted rows (secure_delete) and
    the WAL is folded back and truncated here; PostgreSQL leaves dead rows until
    VACUUM, which autovacuum runs (docs/privacy.md)."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("PRAGMA wal_checkpoint(TRUNCATE)")
