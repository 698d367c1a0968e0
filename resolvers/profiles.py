"""Confirming a new address from its mailed link."""

from __future__ import annotations

from schema.context import Info
from schema.profiles import ConfirmEmailResult, EmailChangeConfirmed
from services import profiles


async def confirm_email_change(info: Info, token: str) -> ConfirmEmailResult:
    """Applies a new email address from the link sent to it."""
    account = await profiles.confirm_email_change(info.context.links, token)
    return EmailChangeConfirmed(email=account.email)
