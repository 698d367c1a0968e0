"""Privacy requests: a person files one (access, correction, deletion, objection, a
question), or staff enter one received by mail, phone or post; each gets a reference
and a due date and is acknowledged by mail; staff resolve or reject it, and the person
is told the outcome. Every move is one transaction with its audit event and its mail.
How a request may move, and who sees which, is privacy/privacy_requests.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from errors import InvalidInput, InvalidTransitionError, LimitReachedError, NotFoundError
from mailers.enqueue import enqueue_privacy_request_closed, enqueue_privacy_request_received
from models import validation
from models.accounts import Account, hold_for_counting
from models.audit import AuditAction, AuditEvent, insert_audit_events
from models.pagination import Page
from models.privacy_requests import (
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestSource,
    PrivacyRequestStatus,
    by_due_date_page,
    new_reference,
    requests_page,
)
from privacy import privacy_requests as rules
from privacy.viewer import Viewer, ensure_staff
from rate_limits import RateLimits
from settings import Settings

Status = PrivacyRequestStatus
MOVES = {
    Status.ACKNOWLEDGED: AuditAction.PRIVACY_REQUEST_ACKNOWLEDGED,
    Status.RESOLVED: AuditAction.PRIVACY_REQUEST_RESOLVED,
    Status.REJECTED: AuditAction.PRIVACY_REQUEST_REJECTED,
}


@dataclass(frozen=True)
class Limits:
    due_days: int
    max_length: int
    open_max: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            due_days=settings.privacy_request_due_days,
            max_length=settings.privacy_request_max_length,
            open_max=settings.privacy_requests_open_max,
        )


async def file_request(
    rate_limits: RateLimits,
    person: Account,
    limits: Limits,
    *,
    kind: PrivacyRequestKind,
    message: str,
) -> PrivacyRequest:
    """A person's own request, acknowledged at once: RECEIVED, then ACKNOWLEDGED with
    the acknowledgement queued, in one transaction. Limited per person (a rate, counted
    before the message is checked so a flood of bad input counts too, and a cap of
    open requests)."""
    await rate_limits.privacy_request(person.id)
    message = validation.text(message, "message", max_length=limits.max_length, multiline=True)
    now = datetime.now(UTC)
    return await _file(
        person,
        actor=person,
        kind=kind,
        message=message,
        source=PrivacyRequestSource.SELF_SERVICE,
        received_at=now,
        due_days=limits.due_days,
        acknowledge=True,
        open_max=limits.open_max,
    )


async def file_on_behalf(
    staff: Account,
    account_id: int | None,
    limits: Limits,
    *,
    kind: PrivacyRequestKind,
    message: str,
    source: PrivacyRequestSource,
    received_at: datetime | None,
    acknowledge: bool,
) -> PrivacyRequest:
    """A request received by mail, phone or post, entered by staff for the person (an
    active or a cancelled account). Always recorded: neither the person's rate nor their
    cap applies, since the request was made whether or not we record it. Acknowledged by
    mail at once unless `acknowledge` is false (acknowledged by the channel it came
    through; staff may acknowledge it later)."""
    ensure_staff(staff)
    if source == PrivacyRequestSource.SELF_SERVICE:
        raise InvalidInput("source", "Say how the request reached us: EMAIL, PHONE or POST.")
    message = validation.text(message, "message", max_length=limits.max_length, multiline=True)
    now = datetime.now(UTC)
    received_at = rules.ensure_received_at(received_at, now)
    account = await Account.get_or_none(id=account_id) if account_id else None
    if account is None:
        raise NotFoundError("No such account.")
    request = await _file(
        account,
        actor=staff,
        kind=kind,
        message=message,
        source=source,
        received_at=received_at,
        due_days=limits.due_days,
        acknowledge=acknowledge,
        filed_by=staff,
    )
    request.account = account
    return request


async def _file(
    account: Account,
    *,
    actor: Account,
    kind: PrivacyRequestKind,
    message: str,
    source: PrivacyRequestSource,
    received_at: datetime,
    due_days: int,
    acknowledge: bool,
    filed_by: Account | None = None,
    open_max: int | None = None,
) -> PrivacyRequest:
    async with in_transaction():
        if open_max is not None:
            await _ensure_under_cap(account.id, open_max)
        request = await PrivacyRequest.create(
            reference=await _unused_reference(),
            account_id=account.id,
            kind=kind,
            source=source,
            message=message,
            filed_by_id=filed_by.id if filed_by else None,
            received_at=received_at,
            due_at=rules.due_at(received_at, due_days),
        )
        await _audit(
            AuditAction.PRIVACY_REQUEST_FILED,
            actor,
            request,
            kind=kind.value,
            source=source.value,
        )
        if acknowledge:
            await move(request, Status.ACKNOWLEDGED, actor)
    return request


async def _ensure_under_cap(account_id: int, open_max: int) -> None:
    """Counted under a hold on the account, in the filing's transaction: requests filed
    at the same moment cannot together pass the cap."""
    await hold_for_counting(account_id)
    still_open = await PrivacyRequest.filter(rules.still_open(), account_id=account_id).count()
    if still_open >= open_max:
        raise LimitReachedError(
            open_max,
            f"You have {still_open} open requests; we answer those first "
            f"(at most {open_max} at once).",
        )


async def _unused_reference() -> str:
    # 40 random bits: a clash is rare enough that a few tries always find a free one.
    for _ in range(10):
        reference = new_reference()
        if not await PrivacyRequest.exists(reference=reference):
            return reference
    raise RuntimeError("no free privacy request reference after 10 tries")


async def acknowledge(staff: Account, request_id: int | None) -> PrivacyRequest:
    """Staff acknowledge a request they entered without acknowledging it: the
    acknowledgement (reference, due date) is mailed now."""
    ensure_staff(staff)
    return await _staff_move(staff, request_id, Status.ACKNOWLEDGED, None)


async def resolve(
    staff: Account, request_id: int | None, note: str | None, limits: Limits
) -> PrivacyRequest:
    """Answered; the optional note goes to the person with the outcome."""
    if note is not None:
        note = validation.text(
            note, "note", max_length=limits.max_length, required=False, multiline=True
        )
    return await _staff_move(staff, request_id, Status.RESOLVED, note or None)


async def reject(
    staff: Account, request_id: int | None, reason: str, limits: Limits
) -> PrivacyRequest:
    """Declined, with the reason the person is told (required)."""
    reason = validation.text(reason, "reason", max_length=limits.max_length, multiline=True)
    return await _staff_move(staff, request_id, Status.REJECTED, reason)


async def _staff_move(
    staff: Account, request_id: int | None, to: Status, reason: str | None
) -> PrivacyRequest:
    ensure_staff(staff)
    async with in_transaction():
        request = await _request(request_id)
        await move(request, to, staff, reason=reason)
    return request


async def _request(request_id: int | None) -> PrivacyRequest:
    """Any request, with its account (staff's view)."""
    request = (
        await PrivacyRequest.get_or_none(id=request_id).select_related("account")
        if request_id
        else None
    )
    if request is None:
        raise NotFoundError("No such privacy request.")
    return request


async def move(
    request: PrivacyRequest, to: Status, actor: Account, *, reason: str | None = None
) -> None:
    """One move, inside the caller's transaction: the row (only if it is still in the
    status it was read in, so two staff racing close it once), its audit event, its mail."""
    rules.ensure_may_move(request, to)
    now = datetime.now(UTC)
    changes: dict[str, Any] = {"status": to}
    if to == Status.ACKNOWLEDGED:
        changes["acknowledged_at"] = now
    else:
        changes |= {"closed_at": now, "closed_by_id": actor.id, "reason": reason}
    moved = await PrivacyRequest.filter(id=request.id, status=request.status).update(**changes)
    if not moved:
        raise InvalidTransitionError("This request was changed meanwhile; look at it again.")
    request.update_from_dict(changes)
    await _audit(MOVES[to], actor, request)
    if to == Status.ACKNOWLEDGED:
        await enqueue_privacy_request_received(request)
    else:
        await enqueue_privacy_request_closed(request)


async def _audit(action: AuditAction, actor: Account, request: PrivacyRequest, **more: str) -> None:
    # The reference names the request; its message and reason are the person's data and
    # stay with the request, which is erased with the account (the event is not).
    await AuditEvent.create(
        action=action,
        actor_id=actor.id,
        subject_id=request.account_id,
        detail={"privacy_request_id": request.id, "reference": request.reference, **more},
    )


async def linked_request(account_id: int, request_id: int | None) -> PrivacyRequest:
    """The open request of `account_id` that a staff correction answers; another
    person's request is NotFound, as if it did not exist."""
    request = (
        await PrivacyRequest.get_or_none(id=request_id, account_id=account_id)
        if request_id
        else None
    )
    if request is None:
        raise NotFoundError("No such privacy request for this account.")
    rules.ensure_open(request)
    return request


async def own_requests(
    viewer: Viewer, account_id: int, *, first: int, after: str | None, maximum: int
) -> Page[PrivacyRequest]:
    """A person's own requests, newest first; nobody else's, ever."""
    return await requests_page(
        rules.own(viewer, account_id), first=first, after=after, maximum=maximum
    )


async def open_requests(
    reader: Account, *, first: int, after: str | None, maximum: int
) -> Page[PrivacyRequest]:
    """Staff's queue (staff only, here and at the field): open requests, the
    earliest due first, whatever the account's status. Each request shown is audited as
    read by `reader` (one multi-row INSERT per page), as a contact read is: its message
    often holds what the person asks about themselves."""
    ensure_staff(reader)
    page = await by_due_date_page(rules.still_open(), first=first, after=after, maximum=maximum)
    await insert_audit_events(
        AuditEvent(
            action=AuditAction.PRIVACY_REQUEST_READ,
            actor_id=reader.id,
            subject_id=request.account_id,
            detail={"privacy_request_id": request.id, "reference": request.reference},
        )
        for request in page.items
    )
    return page
