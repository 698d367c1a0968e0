"""Webhook endpoints as their owner sees them, with the delivery log of each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models import webhooks as rows
from schema.context import Info
from schema.errors import LimitReached, NotAuthorized, NotFound, RateLimited, ValidationError
from schema.pagination import Connection
from services import webhooks

WebhookEvent = strawberry.enum(
    rows.WebhookEvent,
    name="WebhookEvent",
    description="CONTACT_SHARED: a contact was shared with you (needs CONTACTS_READ); "
    "SHARE_ENDED: a share with you ended, delete what you copied of it (CONTACTS_READ); "
    "INQUIRY_RECEIVED: an inquiry about one of your listings (LISTINGS_READ).",
)
WebhookDeliveryState = strawberry.enum(
    rows.DeliveryState,
    name="WebhookDeliveryState",
    description="QUEUED (waiting, or to be retried) → SENDING → DELIVERED (a 2xx answer) or "
    "FAILED (every attempt failed); DROPPED: not sent, the endpoint was disabled or its "
    "key revoked.",
)


@strawberry.type(
    description="One event sent, or to be sent, to an endpoint: how it went, never what it carried."
)
class WebhookDelivery:
    id: strawberry.ID
    event: WebhookEvent
    message_id: str = strawberry.field(description="The `webhook-id` header it is sent with.")
    state: WebhookDeliveryState
    attempts: int
    status_code: int | None = strawberry.field(
        description="The HTTP status the last attempt was answered with; null if none."
    )
    error: str | None = strawberry.field(description="Why the last attempt failed, if it did.")
    occurred_at: datetime = strawberry.field(description="When the event happened.")
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(
        description="When it will be tried again, while it is queued."
    )
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: rows.WebhookDelivery) -> WebhookDelivery:
        queued = row.state == rows.DeliveryState.QUEUED
        return cls(
            id=strawberry.ID(str(row.id)),
            event=row.event,
            message_id=row.message_id,
            state=row.state,
            attempts=row.attempts,
            status_code=row.status_code,
            error=row.last_error,
            occurred_at=row.occurred_at,
            last_attempt_at=row.last_attempt_at,
            next_attempt_at=row.next_attempt_at if queued else None,
            delivered_at=row.delivered_at,
        )


WebhookDeliveryConnection = Connection[WebhookDelivery]


@strawberry.type(description="An HTTPS endpoint of mine that receives events for one API key.")
class WebhookEndpoint:
    id: strawberry.ID
    api_key_id: strawberry.ID
    url: str
    events: list[WebhookEvent]
    secret: str | None = strawberry.field(
        description="The signing secret (whsec_…), returned once at creation and never "
        "again: verify each delivery with it (Standard Webhooks)."
    )
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None = strawberry.field(
        description="Why it was turned off: by its owner, or after a run of failed deliveries."
    )
    failures_in_a_row: int

    @classmethod
    def from_row(cls, row: rows.WebhookEndpoint, secret: str | None = None) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(row.id)),
            api_key_id=strawberry.ID(str(row.api_key_id)),
            url=row.url,
            events=sorted(row.event_set),
            secret=secret,
            created_at=row.created_at,
            disabled_at=row.disabled_at,
            disabled_reason=row.disabled_reason,
            failures_in_a_row=row.failures,
        )

    @strawberry.field(description="The delivery log, newest first.")
    async def deliveries(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> WebhookDeliveryConnection:
        page = await webhooks.deliveries(
            int(self.id), first=first, after=after, maximum=info.context.settings.max_page_size
        )
        return WebhookDeliveryConnection.of(page, WebhookDelivery.from_row)


@strawberry.input
class WebhookEndpointInput:
    api_key_id: strawberry.ID = strawberry.field(
        description="One of my live API keys: the endpoint receives what it may read."
    )
    url: str = strawberry.field(
        description="https://, on a public address; port 443, 80, or 1024 and up."
    )
    events: list[WebhookEvent]
    acknowledge_deletion_duty: bool = strawberry.field(
        description="Must be true: I delete what I copied of a contact once its share ends "
        "(SHARE_ENDED, or `sharedContactWithdrawals`)."
    )


WebhookEndpointResult = Annotated[
    WebhookEndpoint | ValidationError | NotAuthorized | NotFound | LimitReached | RateLimited,
    strawberry.union("WebhookEndpointResult"),
]
