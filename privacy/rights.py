"""The person's rights over their data: to see all of it (`export`) and to have its
use stop (`cancel`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.accounts import Account, AccountStatus, ConsentEvent, PrivacyPreferences, Session
from models.api_keys import ApiKey
from models.audit import AuditAction, AuditEvent
from models.listings import Listing
from models.outbox import MailState, OutboundEmail
from models.purposes import ConsentSource, Purpose
from models.retention import RequestLog
from models.sharing import BookingInquiry, ContactGrant
from models.testimonials import Testimonial
from privacy import consent, holds


@dataclass(frozen=True)
class Section:
    """One part of the export: the rows of `model` about the person."""

    name: str
    model: type[Model]
    about: Callable[[int], Q]
    # Secrets and internal bookkeeping that are not information about the person.
    leave_out: frozenset[str] = frozenset()


SECTIONS = (
    Section(
        "account", Account, lambda me: Q(id=me), frozenset({"password_hash", "pending_email_nonce"})
    ),
    Section("privacy_preferences", PrivacyPreferences, lambda me: Q(account_id=me)),
    Section("consent_history", ConsentEvent, lambda me: Q(account_id=me)),
    Section("listings", Listing, lambda me: Q(owner_id=me)),
    Section("inquiries", BookingInquiry, lambda me: Q(customer_id=me) | Q(performer_id=me)),
    Section("contact_shares", ContactGrant, lambda me: Q(owner_id=me) | Q(recipient_id=me)),
    Section("testimonials", Testimonial, lambda me: Q(author_id=me), frozenset({"consent_nonce"})),
    Section("api_keys", ApiKey, lambda me: Q(owner_id=me), frozenset({"token_hash"})),
    Section("sessions", Session, lambda me: Q(account_id=me), frozenset({"token_hash"})),
    Section("request_log", RequestLog, lambda me: Q(account_id=me)),
    Section("audit_events", AuditEvent, lambda me: Q(subject_id=me) | Q(actor_id=me)),
    Section(
        "mail",
        OutboundEmail,
        lambda me: Q(recipient_id=me) | Q(sender_id=me),
        frozenset({"claim", "claimed_until", "to_address", "to_name", "context"}),
    ),
)
# Tables that hold nothing about any one person.
NOT_ABOUT_PEOPLE = frozenset({"PolicyVersion", "Promotion", "PublicVersion"})
# About the person but withheld, with the reason: a hold is placed to meet a legal
# obligation that the person may not be told of (docs/privacy.md).
WITHHELD = frozenset({"LegalHold"})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


async def export(account_id: int) -> dict[str, list[dict[str, Any]]]:
    """Everything stored about the person, one section per table."""
    concealed = await holds.concealed_from(account_id)
    document: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        query = section.model.filter(section.about(account_id)).order_by(
            section.model._meta.pk_attr
        )
        if section.model is AuditEvent and concealed is not None:
            query = query.exclude(concealed)
        meta = section.model._meta
        columns = {meta.db_pk_column} | set(meta.db_fields)
        fields = sorted(name for name in columns if name not in section.leave_out)
        rows = await query.values(*fields)
        document[section.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return document


async def cancel(
    account: Account, *, ip: str | None, retention_days: int, staff: Account | None = None
) -> tuple[datetime, datetime]:
    """ "Request that we no longer use your information": every use stops at once, in
    one transaction. Returns when it happened and when the data will be erased."""
    now = datetime.now(UTC)
    source = ConsentSource.STAFF_REQUEST if staff else ConsentSource.SETTINGS
    async with in_transaction():
        await consent.record_choices(account, dict.fromkeys(Purpose, False), source, ip)
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
        # published testimonials leave public view through testimonials.publicly_visible.
        await Testimonial.filter(author_id=account.id, consent_nonce__not_isnull=True).update(
            consent_nonce=None
        )
        if staff is not None:
            await AuditEvent.create(
                action=AuditAction.ACCOUNT_CANCELLED_BY_STAFF,
                actor_id=staff.id,
                subject_id=account.id,
            )
    account.status, account.cancelled_at = AccountStatus.CANCELLED, now
    return now, now + timedelta(days=retention_days)
