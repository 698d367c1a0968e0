"""Everything that can reach an account's data without its password: live sessions,
live API keys, and webhook endpoints still sent to. Ending them all in one step
(securing the account) and reading what is left (the notice of a password change)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Q

from models import auth
from models.accounts import Session
from models.api_keys import ApiKey
from models.webhooks import WebhookEndpoint


@dataclass(frozen=True)
class Ended:
    sessions: int = 0
    api_keys: int = 0
    webhook_endpoints: int = 0


def _live_keys(owner_id: int, now: datetime) -> Q:
    # A key past its expiry reads nothing already (models/auth.api_key_for_token).
    return Q(owner_id=owner_id, revoked_at=None) & (Q(expires_at=None) | Q(expires_at__gt=now))


async def revoke_api_keys(owner_id: int) -> int:
    """Revokes every live key of the owner (a rotated key's previous secret with it, as
    both are checked against `revoked_at`); how many."""
    now = datetime.now(UTC)
    return await ApiKey.filter(_live_keys(owner_id, now)).update(revoked_at=now)


# The reason an endpoint shows (`disabledReason`) when its owner secured the account.
SECURED_REASON = "turned off when its owner secured the account"


async def disable_webhook_endpoints(owner_id: int) -> int:
    """Turns off every endpoint of the owner still on: deliveries queued for them are
    dropped at send time (privacy/webhooks.reason_not_to_deliver). Their delivery logs
    stay, so the person can see what was sent; they can turn one back on
    (enableWebhookEndpoint) from a signed-in session. How many."""
    return await WebhookEndpoint.filter(owner_id=owner_id, disabled_at=None).update(
        disabled_at=datetime.now(UTC), disabled_reason=SECURED_REASON
    )


async def end_access(
    account_id: int,
    *,
    except_session_id: int | None = None,
    revoke_api_keys_too: bool,
    disable_webhook_endpoints_too: bool,
) -> Ended:
    """Ends the account's sessions (all, or all but the one asking) and, as asked, its
    API keys and webhook endpoints; inside the caller's transaction."""
    return Ended(
        sessions=await auth.end_sessions(account_id, except_session_id=except_session_id),
        api_keys=await revoke_api_keys(account_id) if revoke_api_keys_too else 0,
        webhook_endpoints=(
            await disable_webhook_endpoints(account_id) if disable_webhook_endpoints_too else 0
        ),
    )


@dataclass(frozen=True)
class StillOpen:
    """What can still reach the account, as rows (newest first); at most `limit` of
    each, with how many there are in all."""

    sessions: list[Session]
    session_count: int
    api_keys: list[ApiKey]
    api_key_count: int
    webhook_endpoints: list[WebhookEndpoint]
    webhook_endpoint_count: int


async def still_open(account_id: int, *, limit: int) -> StillOpen:
    """Live sessions; live API keys; endpoints that are on and whose key is live (an
    endpoint of a revoked or expired key receives nothing and cannot be turned back on)."""
    now = datetime.now(UTC)
    sessions = auth.live_sessions(account_id)
    keys = ApiKey.filter(_live_keys(account_id, now))
    endpoints = WebhookEndpoint.filter(
        Q(api_key__expires_at=None) | Q(api_key__expires_at__gt=now),
        owner_id=account_id,
        disabled_at=None,
        api_key__revoked_at=None,
    )
    return StillOpen(
        sessions=await sessions.order_by("-created_at", "-id").limit(limit),
        session_count=await sessions.count(),
        api_keys=await keys.order_by("-id").limit(limit),
        api_key_count=await keys.count(),
        webhook_endpoints=await endpoints.order_by("-id").limit(limit),
        webhook_endpoint_count=await endpoints.count(),
    )
