"""Staff read the outbox."""

from __future__ import annotations

from models.outbox import MailState
from schema.context import Info
from schema.outbox import OutboundEmail, OutboundEmailConnection
from services import outbox


async def outbound_emails(
    info: Info, state: MailState = MailState.FAILED, first: int = 50, after: str | None = None
) -> OutboundEmailConnection:
    """Staff only: the outbox by state, newest first (failed mail by default)."""
    page = await outbox.outbox(
        info.context.viewer,
        state,
        first=first,
        after=after,
        maximum=info.context.settings.max_page_size,
    )
    return OutboundEmailConnection.of(page, OutboundEmail.from_row)
