"""One-click unsubscribe."""

from __future__ import annotations

from schema.context import Info
from schema.unsubscribe import Unsubscribed, UnsubscribeResult
from services import unsubscribe as unsubscribing


async def unsubscribe(info: Info, token: str) -> UnsubscribeResult:
    """The token comes from the unsubscribe link in every promotional email."""
    context = info.context
    purposes = await unsubscribing.unsubscribe(
        context.links, context.rate_limits, token, context.viewer.ip
    )
    return Unsubscribed(purposes=purposes)
