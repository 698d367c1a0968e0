"""Retention: data is kept while the account is active; a cancelled account is erased
RETENTION_DAYS later unless a legal hold stands; request logs go after
LOG_RETENTION_DAYS. `python main.py purge` (services/retention.purge) applies this,
safe to repeat.

Erasing deletes the account row, and with it (ON DELETE CASCADE) every row about the
person: preferences, consent ledger, sessions, API keys, listings, inquiries, grants,
testimonials, mail and request logs. What must stay for legal obligations stays
without the identity: audit events (reads of contact data, staff actions, legal
disclosures) lose their link to the person (ON DELETE SET NULL), and one
ACCOUNT_ERASED event records that an erasure happened, with no personal data.

Who is due stays here as a rule; reclaiming the space stays here too, below the mail
worker, which reclaims it after erasing a friend's address.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise import connections

from models.accounts import Account, AccountStatus
from models.retention import LegalHold
from privacy import holds


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


async def reclaim_space() -> None:
    """Erased means gone from disk. SQLite overwrites deleted rows (secure_delete) and
    the WAL is folded back and truncated here; PostgreSQL leaves dead rows until
    VACUUM, which autovacuum runs (docs/privacy.md)."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("PRAGMA wal_checkpoint(TRUNCATE)")
