"""Webhooks: the HTTPS endpoints partners register for their API keys, and the outbox
of deliveries to them.

A delivery row is written in the same transaction as the event that causes it
(webhooks/enqueue.py; for an ended share, by the worker from the share_ended row that
the ending wrote), and holds what names the event (its kind, ids and time): all a
message carries (privacy/webhooks.payload), never a person's details.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.accounts import Account, hold_for_counting
from models.crypto import EncryptedTextField
from models.pagination import Page, keyset_page

if TYPE_CHECKING:
    from models.api_keys import ApiKey


class WebhookEvent(StrEnum):
    # A contact was shared with the key's owner (an inquiry, either way).
    CONTACT_SHARED = "CONTACT_SHARED"
    # A share with the key's owner ended: delete what was copied of it.
    SHARE_ENDED = "SHARE_ENDED"
    # Someone sent an inquiry about one of the key's owner's listings.
    INQUIRY_RECEIVED = "INQUIRY_RECEIVED"


class DeliveryState(StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    DELIVERED = "DELIVERED"
    # Every attempt failed (WEBHOOK_MAX_ATTEMPTS).
    FAILED = "FAILED"
    # Not sent, on purpose: the endpoint was disabled or deleted, or its key revoked.
    DROPPED = "DROPPED"


class WebhookEndpoint(Model):
    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    api_key: fields.ForeignKeyRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name=False, on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2000)
    # Space-separated WebhookEvent values.
    events = fields.CharField(max_length=200)
    # The signing secret (whsec_…): shown once, kept encrypted since signing needs it.
    secret = EncryptedTextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    disabled_at = fields.DatetimeField(null=True)
    disabled_reason = fields.CharField(max_length=300, null=True)
    # Failed attempts in a row; WEBHOOK_DISABLE_AFTER of them disable the endpoint.
    failures = fields.IntField(default=0)

    class Meta:
        table = "webhook_endpoint"
        indexes = (("owner_id", "id"),)

    @property
    def event_set(self) -> frozenset[WebhookEvent]:
        return frozenset(WebhookEvent(value) for value in self.events.split())


class WebhookDelivery(Model):
    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    event = fields.CharEnumField(WebhookEvent, max_length=32)
    # The `webhook-id` header: the same for every attempt, so a receiver can skip repeats.
    message_id = fields.CharField(max_length=40, unique=True)
    share_id = fields.IntField(null=True)
    inquiry_id = fields.IntField(null=True)
    # When the event happened (the payload's timestamp).
    occurred_at = fields.DatetimeField()
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.QUEUED)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claim = fields.CharField(max_length=36, null=True)
    claimed_until = fields.DatetimeField(null=True)
    # The last attempt: when, the HTTP status answered (None: no answer), and why it
    # failed, in our words (never the receiver's body, never the payload).
    last_attempt_at = fields.DatetimeField(null=True)
    status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, null=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_delivery"
        indexes = (("state", "next_attempt_at"), ("endpoint_id", "id"))


DELIVERY_CURSOR = "delivery"


async def create_endpoint_within(
    owner_id: int, maximum: int, **values: Any
) -> WebhookEndpoint | None:
    """A new endpoint of the owner's, or None when they have `maximum` already: counted
    and created in one transaction under a lock on the owner's row (PostgreSQL: SELECT …
    FOR UPDATE; SQLite has one writer at a time), so that two registrations at once
    cannot both take the last place."""
    async with in_transaction():
        await hold_for_counting(owner_id)
        if await WebhookEndpoint.filter(owner_id=owner_id).count() >= maximum:
            return None
        return await WebhookEndpoint.create(owner_id=owner_id, **values)


async def endpoints_of(owner_id: int, limit: int) -> list[WebhookEndpoint]:
    """The owner's endpoints, newest first."""
    return await WebhookEndpoint.filter(owner_id=owner_id).order_by("-id").limit(limit)


async def deliveries_page(
    endpoint_id: int, *, first: int, after: str | None, maximum: int
) -> Page[WebhookDelivery]:
    """The delivery log of one endpoint, newest first; whose it is, the caller checked."""
    return await keyset_page(
        WebhookDelivery.filter(endpoint_id=endpoint_id),
        kind=DELIVERY_CURSOR,
        first=first,
        after=after,
        maximum=maximum,
    )
