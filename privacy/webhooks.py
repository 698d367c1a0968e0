"""Webhooks: which events a key's endpoint may receive, whether a delivery may still go
out, and what it may carry, decided at the moment of delivery.

An endpoint receives only what its key may read: CONTACT_SHARED and SHARE_ENDED need
CONTACTS_READ (what `sharedContacts` and the withdrawals feed need), INQUIRY_RECEIVED
needs LISTINGS_READ (what `receivedInquiries` needs). A payload carries no more than the
share allows when it is sent: a contact whose share ended between the event and its
delivery goes out as its share id alone (the SHARE_ENDED that follows tells the rest),
and an inquiry as its performer may see it then. Every contact sent is audited as a
read through the key, like a read of `sharedContacts`, once the endpoint answered 2xx
(then the partner holds it; the worker writes the events `payload` returns).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q

from errors import InvalidInput
from models.accounts import AccountStatus
from models.api_keys import ApiKey, ApiScope
from models.audit import AuditEvent
from models.sharing import BookingInquiry, ContactGrant
from models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from privacy import sharing
from privacy.viewer import Viewer

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
            raise InvalidInput(
                "events", f"{event} needs a key with the {SCOPE_OF[event]} scope."
            )


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


def _viewer(endpoint: WebhookEndpoint) -> Viewer:
    """The key the endpoint belongs to, reading as it would through the API."""
    key = endpoint.api_key
    return Viewer(account=endpoint.owner, api_key_id=key.id, scopes=key.scope_set)


async def payload(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint
) -> tuple[dict[str, Any], list[AuditEvent]]:
    """The message of `delivery` as it may be sent now (Standard Webhooks' shape: type,
    timestamp, data), and the audit events of the contact details it carries (unsaved).
    `endpoint` comes with its key and owner."""
    viewer = _viewer(endpoint)
    reads: list[AuditEvent] = []
    if delivery.event == WebhookEvent.INQUIRY_RECEIVED:
        data = await _inquiry(delivery, viewer)
    elif delivery.event == WebhookEvent.SHARE_ENDED:
        data = {"shareId": str(delivery.share_id), "endedAt": delivery.occurred_at.isoformat()}
    else:
        grant = await _share_in_force(delivery, viewer)
        data = {"shareId": str(delivery.share_id)}
        if grant is not None:
            data |= {
                "name": grant.owner.name,
                "email": grant.owner.email,
                "phone": grant.owner.phone,
                "sharedAt": grant.created_at.isoformat(),
                "inquiryId": str(grant.inquiry_id),
            }
            reads = sharing.reads_to_audit(viewer, [grant])
    message = {
        "type": delivery.event.value,
        "timestamp": delivery.occurred_at.isoformat(),
        "data": data,
    }
    return message, reads


async def _share_in_force(delivery: WebhookDelivery, viewer: Viewer) -> ContactGrant | None:
    recipient = viewer.account_for(ApiScope.CONTACTS_READ)
    return (
        await ContactGrant.filter(
            sharing.in_force(), id=delivery.share_id, recipient_id=recipient.id
        )
        .select_related("owner")
        .first()
    )


async def _inquiry(delivery: WebhookDelivery, viewer: Viewer) -> dict[str, Any]:
    performer = viewer.account_for(ApiScope.LISTINGS_READ)
    inquiry = (
        await BookingInquiry.filter(id=delivery.inquiry_id, performer_id=performer.id)
        .select_related("customer")
        .first()
    )
    if inquiry is None:  # erased with its author's account
        return {"inquiryId": str(delivery.inquiry_id)}
    seen = sharing.as_seen_by_performer(inquiry)
    return {
        "inquiryId": str(seen.id),
        "listingId": str(seen.listing_id),
        "eventDate": seen.event_date,
        "eventType": seen.event_type,
        "message": seen.message,
        "askedBy": seen.author_name,
        "createdAt": seen.created_at.isoformat(),
    }
