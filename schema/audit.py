"""Staff read the audit log about a person."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from models.audit import AuditEvent as AuditEventRow
from schema.enums import AccessMethod, AuditAction
from schema.pagination import Connection


@strawberry.type(description="Staff only: one entry of the audit log.")
class AuditEvent:
    id: strawberry.ID
    action: AuditAction
    actor_id: strawberry.ID | None
    actor_name: str | None
    subject_id: strawberry.ID | None
    via: AccessMethod | None
    api_key_id: strawberry.ID | None
    grant_id: strawberry.ID | None
    detail: JSON
    recorded_at: datetime
    actor_ip: str | None = strawberry.field(
        description="Where the staff member acted from, for what they entered on a "
        "person's request (never recorded as the person's)."
    )

    @classmethod
    def from_row(cls, row: AuditEventRow) -> AuditEvent:
        def as_id(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return cls(
            id=strawberry.ID(str(row.id)),
            action=row.action,
            actor_id=as_id(row.actor_id),
            actor_name=row.actor.name if row.actor else None,
            subject_id=as_id(row.subject_id),
            via=row.via,
            api_key_id=as_id(row.api_key_id),
            grant_id=as_id(row.grant_id),
            detail=row.detail,
            recorded_at=row.recorded_at,
            actor_ip=row.actor_ip,
        )


AuditEventConnection = Connection[AuditEvent]
