"""The audit log: each read of another person's contact details, and staff actions."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.pagination import Page, keyset_page

if TYPE_CHECKING:
    from models.accounts import Account


class AuditAction(StrEnum):
    CONTACT_READ = "CONTACT_READ"
    TESTIMONIAL_REMOVED_BY_STAFF = "TESTIMONIAL_REMOVED_BY_STAFF"
    LISTING_REMOVED_BY_STAFF = "LISTING_REMOVED_BY_STAFF"
    ACCOUNT_CANCELLED_BY_STAFF = "ACCOUNT_CANCELLED_BY_STAFF"
    CONSENT_CHANGED_BY_STAFF = "CONSENT_CHANGED_BY_STAFF"
    LEGAL_HOLD_PLACED = "LEGAL_HOLD_PLACED"
    LEGAL_HOLD_LIFTED = "LEGAL_HOLD_LIFTED"
    LEGAL_DISCLOSURE = "LEGAL_DISCLOSURE"
    ACCOUNT_ERASED = "ACCOUNT_ERASED"
    # A password set through a reset link mailed to the account's address.
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105 (an action, not a secret)
    # Privacy requests: each move, by the person (filing) or by staff.
    PRIVACY_REQUEST_FILED = "PRIVACY_REQUEST_FILED"
    PRIVACY_REQUEST_ACKNOWLEDGED = "PRIVACY_REQUEST_ACKNOWLEDGED"
    PRIVACY_REQUEST_RESOLVED = "PRIVACY_REQUEST_RESOLVED"
    PRIVACY_REQUEST_REJECTED = "PRIVACY_REQUEST_REJECTED"
    # A staff member read a request in the queue: its message is the person's data.
    PRIVACY_REQUEST_READ = "PRIVACY_REQUEST_READ"
    # Staff found (or did not find) an account by its address.
    ACCOUNT_LOOKED_UP_BY_STAFF = "ACCOUNT_LOOKED_UP_BY_STAFF"
    PROFILE_CORRECTED_BY_STAFF = "PROFILE_CORRECTED_BY_STAFF"
    LISTING_CORRECTED_BY_STAFF = "LISTING_CORRECTED_BY_STAFF"
    # The ad partner read a page of the targeted-ads audience. No longer written (that
    # read is gone, issue 22); kept because audit rows recorded before hold it, and an
    # audit record of what left us is not ours to delete.
    ADS_AUDIENCE_READ = "ADS_AUDIENCE_READ"
    # Staff took a post off a listing's public board on request (services/boards.py).
    BOARD_POST_REMOVED_BY_STAFF = "BOARD_POST_REMOVED_BY_STAFF"


class AccessMethod(StrEnum):
    SESSION = "SESSION"
    API_KEY = "API_KEY"


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    action = fields.CharEnumField(AuditAction, max_length=32)
    # Who acted, and whose data it was; either may be erased later, the event stays.
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    subject: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    via = fields.CharEnumField(AccessMethod, max_length=16, null=True)
    api_key_id = fields.IntField(null=True)
    grant_id = fields.IntField(null=True)
    detail = fields.JSONField(default=dict)
    recorded_at = fields.DatetimeField(auto_now_add=True)
    # Where staff acted from, when they entered something on a person's request: their
    # address, kept with their action and never in the person's consent ledger.
    actor_ip = fields.CharField(max_length=45, null=True)

    class Meta:
        table = "audit_event"
        indexes = (("subject_id", "id"), ("actor_id", "id"))


async def events_about(
    subject_id: int | None, *, first: int, after: str | None, maximum: int
) -> Page[AuditEvent]:
    """The audit log about one person, newest first."""
    query = (
        AuditEvent.filter(subject_id=subject_id).select_related("actor")
        if subject_id is not None
        else None
    )
    return await keyset_page(
        query,
        kind="audit",
        first=first,
        after=after,
        maximum=maximum,
    )


# Bound parameters per statement: SQLite before 3.32 allows 999 (SQLITE_MAX_VARIABLE_NUMBER),
# the PostgreSQL protocol 32,767. Staying under the smaller keeps one code path for both.
MAX_PARAMETERS = 999


def _insert_sql(connection: BaseDBAsyncClient, columns: list[str], rows: int) -> str:
    """`INSERT INTO audit_event (...) VALUES (...), (...)` for `rows` rows, in the
    placeholder style of `connection`'s own dialect (asked on every call, never cached by
    table name: see insert_audit_events)."""
    numbered = connection.capabilities.dialect == "postgres"
    width = len(columns)
    values = ", ".join(
        "(" + ", ".join(f"${row * width + n + 1}" if numbered else "?" for n in range(width)) + ")"
        for row in range(rows)
    )
    quoted = ", ".join(f'"{column}"' for column in columns)
    # Names come from the model, values only as parameters.
    table = AuditEvent._meta.db_table
    return f'INSERT INTO "{table}" ({quoted}) VALUES {values}'  # noqa: S608


async def insert_audit_events(events: Iterable[AuditEvent]) -> int:
    """Writes unsaved audit events with one multi-row INSERT (more only past
    MAX_PARAMETERS, then all in one transaction); answers how many rows it wrote. The
    events' ids are not read back.

    Why not `AuditEvent.bulk_create`: Tortoise builds a model's INSERT once per process and
    keeps it in `EXECUTOR_CACHE` under (connection name, schema, table) only, never the
    dialect. A process that opened SQLite as "default" and later PostgreSQL as "default"
    (bench/run.py's in-process SQL count did) sends SQLite's `VALUES (?,?,...)` to
    PostgreSQL, which answers "syntax error at or near ','". Here the SQL is made from
    the connection in hand on every call, with parameters only."""
    events = list(events)
    if not events:
        return 0
    meta = AuditEvent._meta
    names = [name for name in meta.fields_db_projection if not meta.fields_map[name].generated]
    columns = [meta.fields_db_projection[name] for name in names]
    rows = [
        [meta.fields_map[name].to_db_value(getattr(event, name), event) for name in names]
        for event in events
    ]
    per_statement = MAX_PARAMETERS // len(columns)
    chunks = [rows[start : start + per_statement] for start in range(0, len(rows), per_statement)]

    async def write(connection: BaseDBAsyncClient) -> None:
        for chunk in chunks:
            values = [value for row in chunk for value in row]
            await connection.execute_query(_insert_sql(connection, columns, len(chunk)), values)

    if len(chunks) == 1:
        await write(AuditEvent._choose_db(for_write=True))
    else:
        async with in_transaction(meta.default_connection) as connection:
            await write(connection)
    return len(rows)
