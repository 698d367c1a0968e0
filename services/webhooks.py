"""Webhook endpoints: a partner registers an HTTPS endpoint for one of its API keys,
choosing the events it wants, and reads, disables, turns back on or deletes it. Only a
person signed in through a session gets here (the resolvers ask the viewer); another
person's key or endpoint names nothing. Where an endpoint may point is
privacy/webhook_targets.py; which events a key may receive is privacy/webhooks.py."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from errors import InvalidInput, LimitReachedError, NotFoundError
from models.accounts import Account
from models.api_keys import ApiKey
from models.ids import parse_id
from models.pagination import Page
from models.webhooks import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    create_endpoint_within,
    deliveries_page,
    endpoints_of,
)
from privacy import webhook_targets
from privacy import webhooks as rules
from rate_limits import RateLimits
from settings import Settings

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix Standard Webhooks secrets carry)
SECRET_BYTES = 32


@dataclass(frozen=True)
class NewEndpoint:
    api_key_id: str
    url: str
    events: list[WebhookEvent]
    acknowledge_deletion_duty: bool


def new_secret() -> str:
    """A signing secret in the form `standardwebhooks.Webhook` takes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


async def create_endpoint(
    owner: Account, new: NewEndpoint, settings: Settings, rate_limits: RateLimits
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, which is never shown again. The
    checks that cost nothing come first; the name is resolved last, once counted."""
    await rate_limits.webhook_endpoint(owner.id)
    key_id = parse_id(new.api_key_id)
    key = await ApiKey.get_or_none(id=key_id, owner_id=owner.id) if key_id else None
    if key is None or not rules.key_is_live(key):
        raise NotFoundError("No such API key.")
    if not new.acknowledge_deletion_duty:
        raise InvalidInput(
            "acknowledgeDeletionDuty",
            "Confirm that you delete what you copied of a contact once its share ends.",
        )
    events = sorted(set(new.events))
    rules.ensure_events_allowed(key, events)
    maximum = settings.webhook_endpoints_max
    if await WebhookEndpoint.filter(owner_id=owner.id).count() >= maximum:
        raise LimitReachedError(maximum)
    target = await webhook_targets.check(new.url, settings)
    secret = new_secret()
    # Counted again as it is created: another registration may have taken the last place
    # while this one's name was resolved.
    endpoint = await create_endpoint_within(
        owner.id,
        maximum,
        api_key_id=key.id,
        url=target.url,
        events=" ".join(events),
        secret=secret,
    )
    if endpoint is None:
        raise LimitReachedError(maximum)
    return endpoint, secret


async def _own_endpoint(owner: Account, endpoint_id: str) -> WebhookEndpoint:
    found = parse_id(endpoint_id)
    endpoint = await WebhookEndpoint.get_or_none(id=found, owner_id=owner.id) if found else None
    if endpoint is None:
        raise NotFoundError("No such webhook endpoint.")
    return endpoint


async def disable_endpoint(owner: Account, endpoint_id: str) -> WebhookEndpoint:
    """Nothing more is sent to it; what was queued is dropped. Disabling twice keeps
    the first time."""
    endpoint = await _own_endpoint(owner, endpoint_id)
    if endpoint.disabled_at is None:
        endpoint.disabled_at = datetime.now(UTC)
        endpoint.disabled_reason = "disabled by its owner"
        await endpoint.save(update_fields=["disabled_at", "disabled_reason"])
    return endpoint


async def enable_endpoint(
    owner: Account, endpoint_id: str, settings: Settings, rate_limits: RateLimits
) -> WebhookEndpoint:
    """Turns an endpoint back on (after its owner disabled it, or after failures), its
    URL checked again as at registration, its run of failures forgotten."""
    await rate_limits.webhook_endpoint(owner.id)
    endpoint = await _own_endpoint(owner, endpoint_id)
    key = await ApiKey.get(id=endpoint.api_key_id)
    if not rules.key_is_live(key):
        raise InvalidInput(
            "id", "Its API key was revoked or expired: register an endpoint for a live key."
        )
    await webhook_targets.check(endpoint.url, settings)
    endpoint.disabled_at, endpoint.disabled_reason, endpoint.failures = None, None, 0
    await endpoint.save(update_fields=["disabled_at", "disabled_reason", "failures"])
    return endpoint


async def delete_endpoint(owner: Account, endpoint_id: str) -> WebhookEndpoint:
    """Deletes it with its delivery log; answers it as it was."""
    endpoint = await _own_endpoint(owner, endpoint_id)
    await endpoint.delete()
    return endpoint


async def endpoints(owner_id: int, *, limit: int) -> list[WebhookEndpoint]:
    return await endpoints_of(owner_id, limit)


async def deliveries(
    endpoint_id: int, *, first: int, after: str | None, maximum: int
) -> Page[WebhookDelivery]:
    """The delivery log of an endpoint the caller already holds as theirs."""
    return await deliveries_page(endpoint_id, first=first, after=after, maximum=maximum)
