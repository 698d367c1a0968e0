"""Staff read the audit log about a person."""

from __future__ import annotations

import strawberry

from models.ids import parse_id
from schema.audit import AuditEvent, AuditEventConnection
from schema.context import Info
from services import audit


async def audit_events(
    info: Info, account_id: strawberry.ID, first: int = 50, after: str | None = None
) -> AuditEventConnection:
    """Staff only: the audit log about one person, newest first."""
    page = await audit.events(
        info.context.viewer,
        parse_id(account_id),
        first=first,
        after=after,
        maximum=info.context.settings.max_page_size,
    )
    return AuditEventConnection.of(page, AuditEvent.from_row)
