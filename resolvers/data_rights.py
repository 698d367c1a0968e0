"""The person's rights over their data: the export, and cancelling the account."""

from __future__ import annotations

from strawberry.scalars import JSON

from schema.context import Info
from schema.data_rights import AccountCancelled, CancelAccountResult
from services import data_rights


async def my_data_export(info: Info) -> JSON:
    """Everything stored about the caller, as one JSON document (right of access)."""
    viewer = info.context.viewer
    if viewer.is_anonymous:
        return {}
    account = viewer.require_account()
    return await data_rights.export(account.id)


async def cancel_account(info: Info) -> CancelAccountResult:
    viewer = info.context.viewer
    account = viewer.require_account()
    cancelled_at, purge_after = await data_rights.cancel(
        account, ip=viewer.ip, retention_days=info.context.settings.retention_days
    )
    return AccountCancelled(cancelled_at=cancelled_at, purge_after=purge_after)
