"""Privacy requests: the person files one and follows it (`me.privacyRequests`); staff
enter one received by mail, phone or post, work the queue and close each."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.ids import parse_id
from schema.context import Info
from schema.privacy_requests import (
    FilePrivacyRequestInput,
    FilePrivacyRequestResult,
    PrivacyRequest,
    StaffPrivacyRequest,
    StaffPrivacyRequestConnection,
    StaffPrivacyRequestInput,
    StaffPrivacyRequestResult,
)
from services import privacy_requests as service


async def file_privacy_request(
    info: Info, input: FilePrivacyRequestInput
) -> FilePrivacyRequestResult:
    """A signed-in person's own request; acknowledged by mail at once."""
    context = info.context
    request = await service.file_request(
        context.rate_limits,
        context.viewer.require_account(),
        service.Limits.of(context.settings),
        kind=input.kind,
        message=input.message,
    )
    return PrivacyRequest.from_row(request)


async def file_privacy_request_on_behalf(
    info: Info, input: StaffPrivacyRequestInput
) -> StaffPrivacyRequestResult:
    """Staff only: a request received by mail, phone or post, for the person."""
    context = info.context
    request = await service.file_on_behalf(
        context.viewer.require_staff(),
        parse_id(input.account_id),
        service.Limits.of(context.settings),
        kind=input.kind,
        message=input.message,
        source=input.source,
        received_at=input.received_at,
        acknowledge=input.acknowledge,
    )
    return StaffPrivacyRequest.from_row(request)


async def acknowledge_privacy_request(info: Info, id: strawberry.ID) -> StaffPrivacyRequestResult:
    """Staff only: mails the acknowledgement of a request entered without one."""
    staff = info.context.viewer.require_staff()
    return StaffPrivacyRequest.from_row(await service.acknowledge(staff, parse_id(id)))


async def resolve_privacy_request(
    info: Info,
    id: strawberry.ID,
    note: Annotated[
        str | None,
        strawberry.argument(description="How it was answered; the person is mailed it."),
    ] = None,
) -> StaffPrivacyRequestResult:
    """Staff only: the request is answered; the person is told."""
    staff = info.context.viewer.require_staff()
    limits = service.Limits.of(info.context.settings)
    return StaffPrivacyRequest.from_row(await service.resolve(staff, parse_id(id), note, limits))


async def reject_privacy_request(
    info: Info,
    id: strawberry.ID,
    reason: Annotated[
        str, strawberry.argument(description="Why; required, and the person is mailed it.")
    ],
) -> StaffPrivacyRequestResult:
    """Staff only: the request is declined, with the reason the person is told."""
    staff = info.context.viewer.require_staff()
    limits = service.Limits.of(info.context.settings)
    return StaffPrivacyRequest.from_row(await service.reject(staff, parse_id(id), reason, limits))


async def open_privacy_requests(
    info: Info, first: int = 20, after: str | None = None
) -> StaffPrivacyRequestConnection:
    """Staff only (schema/permissions.StaffOnly): open requests, the earliest due first,
    cancelled accounts' included."""
    page = await service.open_requests(
        info.context.viewer.require_staff(),
        first=first,
        after=after,
        maximum=info.context.settings.max_page_size,
    )
    return StaffPrivacyRequestConnection.of(page, StaffPrivacyRequest.from_row)
