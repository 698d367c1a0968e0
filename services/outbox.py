"""Staff read the outbox: what was sent, what waits, what failed and why."""

from __future__ import annotations

from models.outbox import MailState, OutboundEmail, outbox_page
from models.pagination import Page
from privacy.viewer import Viewer


async def outbox(
    viewer: Viewer, state: MailState, *, first: int, after: str | None, maximum: int
) -> Page[OutboundEmail]:
    """Staff only: the outbox by state, newest first. A mail's row names its recipient,
    and a failure's reply may quote them (stored redacted), so nobody else reads it."""
    viewer.require_staff()
    return await outbox_page(state, first=first, after=after, maximum=maximum)
