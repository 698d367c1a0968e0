"""The audit log: each read of another person's contact details, and staff actions."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.pagination import Page, keyset_page

if TYPE_CHECKING:
    from models.accounts import Account


class AuditAction(StrEnum):
    CONTACT_READ = "CONTACT_READ"
    TESTIMONIAL_REMOVED_BY_STAFF = "TESTIMONIAL_REMOVED_BY_STAFF"
    LISTING_REMOVED_BY_STAFF = "LISTING_REMOVED_BY_STAFF"
    ACCOUNT_CANCELLED_BY_STAFF = "ACCOUNT_CANCELLED_BY_STAFF"
    CONSENT_CHANGED_BY_STAFF = "CONSENT_CHANGED_BY_STAFF"
    LEGAL_HOLD_PLACED = "LEGAL_HOLD_PLACED"
    LEGAL_HOLD_LIFTED = "LEGAL_HOLD_LIFTED"
    LEGAL_DISCLOSURE = "LEGAL_DISCLOSURE"
    ACCOUNT_ERASED = "ACCOUNT_ERASED"


class AccessMethod(StrEnum):
    SESSION = "SESSION"
    API_KEY = "API_KEY"


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    action = fields.CharEnumField(AuditAction, max_length=32)
    # Who acted, and whose data it was; either may be erased later, the event stays.
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    subject: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    via = fields.CharEnumField(AccessMethod, max_length=16, null=True)
    api_key_id = fields.IntField(null=True)
    grant_id = fields.IntField(null=True)
    detail = fields.JSONField(default=dict)
    recorded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_event"
        indexes = (("subject_id", "id"), ("actor_id", "id"))


async def events_about(
    subject_id: int | None, *, first: int, after: str | None, maximum: int
) -> Page[AuditEvent]:
    """The audit log about one person, newest first."""
    query = (
        AuditEvent.filter(subject_id=subject_id).select_related("actor")
        if subject_id is not None
        else None
    )
    return await keyset_page(
        query,
        kind="audit",
        first=first,
        after=after,
        maximum=maximum,
    )
