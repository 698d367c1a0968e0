"""Webhook endpoints: registered, disabled, turned back on and deleted by the owner of
the API key they belong to, through a session only (a key never manages webhooks)."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.webhooks import WebhookEndpoint, WebhookEndpointInput, WebhookEndpointResult
from services import webhooks


async def create_webhook_endpoint(info: Info, input: WebhookEndpointInput) -> WebhookEndpointResult:
    """Registers an endpoint for one of my API keys; answers its signing secret once."""
    context = info.context
    owner = context.viewer.require_account()
    new = webhooks.NewEndpoint(
        api_key_id=input.api_key_id,
        url=input.url,
        events=list(input.events),
        acknowledge_deletion_duty=input.acknowledge_deletion_duty,
    )
    endpoint, secret = await webhooks.create_endpoint(
        owner, new, context.settings, context.rate_limits
    )
    return WebhookEndpoint.from_row(endpoint, secret=secret)


async def disable_webhook_endpoint(info: Info, id: strawberry.ID) -> WebhookEndpointResult:
    """Stops deliveries to one of my endpoints; what was queued is not sent."""
    owner = info.context.viewer.require_account()
    return WebhookEndpoint.from_row(await webhooks.disable_endpoint(owner, id))


async def enable_webhook_endpoint(info: Info, id: strawberry.ID) -> WebhookEndpointResult:
    """Turns one of my endpoints back on, its URL checked again."""
    context = info.context
    owner = context.viewer.require_account()
    endpoint = await webhooks.enable_endpoint(owner, id, context.settings, context.rate_limits)
    return WebhookEndpoint.from_row(endpoint)


async def delete_webhook_endpoint(info: Info, id: strawberry.ID) -> WebhookEndpointResult:
    """Deletes one of my endpoints with its delivery log."""
    owner = info.context.viewer.require_account()
    return WebhookEndpoint.from_row(await webhooks.delete_endpoint(owner, id))
