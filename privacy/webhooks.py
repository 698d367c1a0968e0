"""Webhooks: which events a key's endpoint may receive, whether a delivery may still go
out, and what it carries.

An endpoint receives only what its key may read: CONTACT_SHARED and SHARE_ENDED need
CONTACTS_READ (what `sharedContacts` and the withdrawals feed need), INQUIRY_RECEIVED
needs LISTINGS_READ (what `receivedInquiries` needs).

Events are thin: a message says what changed (its type, the ids it is about, when),
never a person's details or words. A body once sent is the partner's, whatever its
endpoint answers, and every retry is one more copy; so the partner reads the details
through the API (`sharedContacts` and its `syncCursor`, `receivedInquiries`), where
consent is checked at the moment of reading and every read is audited. A message is
therefore the same whenever it goes out, and needs no audit of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q

from errors import InvalidInput
from models.accounts import AccountStatus
from models.api_keys import ApiKey, ApiScope
from models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

SCOPE_OF: dict[WebhookEvent, ApiScope] = {
    WebhookEvent.CONTACT_SHARED: ApiScope.CONTACTS_READ,
    WebhookEvent.SHARE_ENDED: ApiScope.CONTACTS_READ,
    WebhookEvent.INQUIRY_RECEIVED: ApiScope.LISTINGS_READ,
}


def ensure_events_allowed(key: ApiKey, events: list[WebhookEvent]) -> None:
    if not events:
        raise InvalidInput("events", "Choose at least one event.")
    for event in events:
        if SCOPE_OF[event] not in key.scope_set:
            raise InvalidInput("events", f"{event} needs a key with the {SCOPE_OF[event]} scope.")


def live() -> Q:
    """Endpoints that receive new events: not disabled, their key neither revoked nor
    expired, their owner's account open (a SQL condition on webhook_endpoint)."""
    unexpired = Q(api_key__expires_at=None) | Q(api_key__expires_at__gt=datetime.now(UTC))
    return unexpired & Q(
        disabled_at=None, api_key__revoked_at=None, owner__status=AccountStatus.ACTIVE
    )


def key_is_live(key: ApiKey) -> bool:
    """A key endpoints may be registered for or turned back on with."""
    expired = key.expires_at is not None and key.expires_at <= datetime.now(UTC)
    return key.revoked_at is None and not expired


def reason_not_to_deliver(endpoint: WebhookEndpoint, event: WebhookEvent) -> str | None:
    """None when a delivery of `event` to `endpoint` may go out now (the endpoint comes
    with its key and its owner); otherwise why not."""
    if endpoint.disabled_at is not None:
        return "the endpoint is disabled"
    if endpoint.api_key.revoked_at is not None:
        return "the endpoint's API key was revoked"
    if not key_is_live(endpoint.api_key):
        return "the endpoint's API key expired"
    if endpoint.owner.status != AccountStatus.ACTIVE:
        return "the endpoint's owner closed their account"
    if SCOPE_OF[event] not in endpoint.api_key.scope_set:
        return f"the endpoint's API key lacks the {SCOPE_OF[event]} scope"
    return None


def payload(delivery: WebhookDelivery) -> dict[str, Any]:
    """The message of `delivery` (Standard Webhooks' shape: type, timestamp, data): the
    ids it is about and when it happened, named as the API names them."""
    when = delivery.occurred_at.isoformat()
    if delivery.event == WebhookEvent.INQUIRY_RECEIVED:
        data = {"inquiryId": str(delivery.inquiry_id), "createdAt": when}
    elif delivery.event == WebhookEvent.SHARE_ENDED:
        data = {"shareId": str(delivery.share_id), "endedAt": when}
    else:
        data = {"shareId": str(delivery.share_id), "sharedAt": when}
    return {"type": delivery.event.value, "timestamp": when, "data": data}
