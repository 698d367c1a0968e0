"""The person's rights over their data: to see all of it (`export`) and to have its
use stop (`cancel`). What the export shows and withholds is privacy/export.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.accounts import Account, AccountStatus, Session
from models.api_keys import ApiKey
from models.audit import AuditAction, AuditEvent
from models.listings import Listing
from models.outbox import MailState, OutboundEmail
from models.purposes import ConsentSource, Purpose
from models.sharing import ContactGrant
from models.testimonials import Testimonial
from privacy import consent, holds
from privacy.export import FORMAT_NAME, FORMAT_VERSION, SECTIONS, Section


def _plain(value: Any) -> Any:
    """JSON-ready: the export is one JSON document."""
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


async def export(account_id: int) -> dict[str, Any]:
    """Everything stored about the person, in the documented format of
    privacy/export.py (docs/export.md)."""
    concealed = await holds.concealed_from(account_id)
    document: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exportedAt": _plain(datetime.now(UTC)),
    }
    for section in SECTIONS:
        items = await _items(section, account_id, concealed)
        document[section.name] = (items[0] if items else None) if section.single else items
    return document


async def _items(section: Section, account_id: int, concealed: Q | None) -> list[dict[str, Any]]:
    """The section's rows about the person, each as its fields name it; rows that hold
    another person's words only as the section's rule lets the person see them."""
    query = section.rows_about(account_id, concealed)
    if section.seen_by is None:
        sources = {field.name: field.source for field in section.fields}
        rows = await query.values(**sources)
        return [{name: _plain(row[name]) for name in sources} for row in rows]
    found = await query.select_related(*section.related)
    seen = [section.seen_by(row, account_id) for row in found]
    return [
        {field.name: _plain(getattr(row, field.source)) for field in section.fields}
        for row in seen
        if row is not None
    ]


async def cancel(
    account: Account, *, ip: str | None, retention_days: int, staff: Account | None = None
) -> tuple[datetime, datetime]:
    """ "Request that we no longer use your information": every use stops at once, in
    one transaction. Returns when it happened and when the data will be erased. `staff`
    is the staff member acting on the person's request (services/staff_requests.py):
    then `ip` is theirs, and goes with their audit event, not into the person's ledger."""
    now = datetime.now(UTC)
    withdrawn = dict.fromkeys(Purpose, False)
    async with in_transaction():
        if staff is None:
            await consent.record_choices(account, withdrawn, ConsentSource.SETTINGS, ip)
        else:
            await consent.record_choices(
                account, withdrawn, ConsentSource.STAFF_REQUEST, None, entered_by=staff
            )
        await Account.filter(id=account.id).update(status=AccountStatus.CANCELLED, cancelled_at=now)
        await Session.filter(account_id=account.id, revoked_at=None).update(revoked_at=now)
        await ApiKey.filter(owner_id=account.id, revoked_at=None).update(revoked_at=now)
        await Listing.filter(owner_id=account.id).update(in_directory=False)
        await ContactGrant.filter(
            Q(owner_id=account.id) | Q(recipient_id=account.id), revoked_at=None
        ).update(revoked_at=now)
        await OutboundEmail.filter(
            recipient_id=account.id, purpose__not_isnull=True, state=MailState.QUEUED
        ).update(state=MailState.DROPPED, last_error="the account was cancelled")
        # A consent link mailed before cancelling must not publish anything after it;
        # published testimonials leave public view through
        # privacy/testimonials.publicly_visible.
        await Testimonial.filter(author_id=account.id, consent_nonce__not_isnull=True).update(
            consent_nonce=None
        )
        if staff is not None:
            await AuditEvent.create(
                action=AuditAction.ACCOUNT_CANCELLED_BY_STAFF,
                actor_id=staff.id,
                subject_id=account.id,
                actor_ip=ip,
            )
    account.status, account.cancelled_at = AccountStatus.CANCELLED, now
    return now, now + timedelta(days=retention_days)
