"""Staff acting on what people ask by email or phone ("Choice/Opt-Out", "Removal From
Directory", testimonials, cancellation), on legal holds, and on disclosures the law
requires. Each is recorded: a consent change with source STAFF_REQUEST, anything
else as an audit event naming the staff member. The staff check itself is at the edge
(resolvers: `viewer.require_staff()`, schema/permissions.StaffOnly)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from models import validation
from models.accounts import Account, PrivacyPreferences
from models.audit import AuditAction, AuditEvent
from models.purposes import ConsentSource, Purpose
from models.retention import LegalHold
from privacy import consent, holds
from services import data_rights


async def person(account_id: int | None) -> Account:
    """The person a request is about."""
    account = await Account.get_or_none(id=account_id) if account_id else None
    if account is None:
        raise NotFoundError("No such account.")
    return account


async def change_choices(
    staff: Account, account: Account, choices: Mapping[Purpose, bool], ip: str | None
) -> PrivacyPreferences:
    """A person's choice given by phone or email, recorded as theirs (STAFF_REQUEST),
    with the staff member who entered it in the audit log."""
    async with in_transaction():
        preferences = await consent.record_choices(
            account, choices, ConsentSource.STAFF_REQUEST, ip
        )
        await AuditEvent.create(
            action=AuditAction.CONSENT_CHANGED_BY_STAFF,
            actor_id=staff.id,
            subject_id=account.id,
            detail={purpose.value: granted for purpose, granted in choices.items()},
        )
    return preferences


async def cancel_on_request(
    staff: Account, account: Account, *, ip: str | None, retention_days: int
) -> tuple[datetime, datetime]:
    """The person asked by email or phone that their information no longer be used:
    the same cancellation as their own, recorded as staff's (STAFF_REQUEST, audit)."""
    return await data_rights.cancel(account, ip=ip, retention_days=retention_days, staff=staff)


async def holds_of(account_id: int | None, *, limit: int) -> list[LegalHold]:
    """The holds placed on an account, newest first, at most `limit`."""
    if account_id is None:
        return []
    return await LegalHold.filter(account_id=account_id).order_by("-id").limit(limit)


async def place_hold(
    staff: Account, account: Account, reason: str, ends_at: datetime | None
) -> LegalHold:
    reason = validation.text(reason, "reason", max_length=2000, multiline=True)
    if ends_at is not None and ends_at <= datetime.now(UTC):
        raise InvalidInput("endsAt", "A hold must end in the future, or have no end date.")
    async with in_transaction():
        hold = await LegalHold.create(
            account_id=account.id, reason=reason, placed_by_id=staff.id, ends_at=ends_at
        )
        await AuditEvent.create(
            action=AuditAction.LEGAL_HOLD_PLACED,
            actor_id=staff.id,
            subject_id=account.id,
            detail={"hold_id": hold.id},
        )
    return hold


async def lift_hold(staff: Account, hold_id: int | None) -> LegalHold:
    hold = await LegalHold.get_or_none(holds.active(), id=hold_id) if hold_id else None
    if hold is None:
        raise NotFoundError("No such active legal hold.")
    async with in_transaction():
        hold.lifted_at = datetime.now(UTC)
        await hold.save(update_fields=["lifted_at"])
        await AuditEvent.create(
            action=AuditAction.LEGAL_HOLD_LIFTED,
            actor_id=staff.id,
            subject_id=hold.account_id,
            detail={"hold_id": hold.id},
        )
    return hold


async def record_disclosure(
    staff: Account,
    account: Account,
    *,
    authority: str,
    legal_reference: str,
    data_disclosed: list[str],
) -> AuditEvent:
    """ "Disclosure when required by law": who asked, under what reference, which data.
    Hidden from the person's own export while a legal hold stands. Returned with the
    staff member who recorded it."""
    detail = {
        "authority": validation.text(authority, "authority", max_length=200),
        "legal_reference": validation.text(legal_reference, "legalReference", max_length=200),
        "data_disclosed": [
            validation.text(item, "dataDisclosed", max_length=200) for item in data_disclosed
        ],
    }
    if not detail["data_disclosed"]:
        raise InvalidInput("dataDisclosed", "Name at least one kind of data disclosed.")
    event = await AuditEvent.create(
        action=AuditAction.LEGAL_DISCLOSURE, actor_id=staff.id, subject_id=account.id, detail=detail
    )
    await event.fetch_related("actor")
    return event
