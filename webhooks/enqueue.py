"""Webhook deliveries are written to the outbox inside the transaction of their cause,
one row per live endpoint subscribed to the event, naming the event and the ids it is
about: the whole of what a message will say (privacy/webhooks.payload)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from models.sharing import BookingInquiry, ContactGrant, ShareEnded
from models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from privacy import webhooks as rules

# (whose endpoints, the event, the share it is about, the inquiry it is about, when)
Event = tuple[int, WebhookEvent, int | None, int | None, datetime]


def new_message_id() -> str:
    """The `webhook-id` of one message, the same for each of its attempts."""
    return "msg_" + secrets.token_hex(16)


async def _enqueue(events: Iterable[Event]) -> int:
    events = list(events)
    owners = {owner for owner, *_ in events}
    if not owners:
        return 0
    endpoints = await WebhookEndpoint.filter(rules.live(), owner_id__in=owners)
    now = datetime.now(UTC)
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event=event,
            message_id=new_message_id(),
            share_id=share_id,
            inquiry_id=inquiry_id,
            occurred_at=occurred_at,
            next_attempt_at=now,
        )
        for owner, event, share_id, inquiry_id, occurred_at in events
        for endpoint in endpoints
        if endpoint.owner_id == owner and event in endpoint.event_set
    ]
    if rows:
        await WebhookDelivery.bulk_create(rows)
    return len(rows)


async def enqueue_inquiry_events(inquiry: BookingInquiry, grants: list[ContactGrant]) -> int:
    """INQUIRY_RECEIVED for the performer asked, CONTACT_SHARED for the recipient of each
    grant the inquiry made (saved, with their ids); returns how many rows."""
    when = inquiry.created_at
    received: list[Event] = [
        (inquiry.performer_id, WebhookEvent.INQUIRY_RECEIVED, None, inquiry.id, when)
    ]
    shared: list[Event] = [
        (grant.recipient_id, WebhookEvent.CONTACT_SHARED, grant.id, None, when) for grant in grants
    ]
    return await _enqueue(received + shared)


async def enqueue_share_endings(endings: list[ShareEnded]) -> int:
    """SHARE_ENDED for the recipient of each share that ended (share_ended rows, which
    their ending wrote in its own transaction)."""
    return await _enqueue(
        (ended.recipient_id, WebhookEvent.SHARE_ENDED, ended.grant_id, None, ended.ended_at)
        for ended in endings
    )
