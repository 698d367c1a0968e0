"""The webhook worker (`python main.py webhook-worker`): queues the SHARE_ENDED deliveries
of shares that ended, claims due deliveries, composes each at that moment from what the
share allows then, signs it per the Standard Webhooks spec (`standardwebhooks`: the
webhook-id, webhook-timestamp and webhook-signature headers) and POSTs it with httpx.

Claims work as the mail worker's do (mailers/worker.py): `SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL, an UPDATE that re-checks each row on SQLite, and a claim that
expires, so several workers share the load and a dead worker's rows go out later.

Each attempt connects to the address privacy/webhook_targets.py approved just before
(no second lookup), follows no redirect, reads no response body, keeps no connection
open for another endpoint, and has WEBHOOK_TIMEOUT_SECONDS in all. A 2xx answer is a
delivery; anything else is retried with exponential backoff and jitter, up to
WEBHOOK_MAX_ATTEMPTS. WEBHOOK_DISABLE_AFTER failed attempts in a row disable the
endpoint, and its owner is mailed. What is kept of an attempt is its time, the status
answered and our own words for a failure: never the payload, never the answer's body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from standardwebhooks import Webhook
from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from errors import InvalidInput
from mailers.enqueue import enqueue_webhook_disabled
from models.audit import insert_audit_events
from models.sharing import ShareEnded
from models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from privacy import webhook_targets
from privacy import webhooks as rules
from settings import Settings
from webhooks.enqueue import enqueue_share_endings

log = logging.getLogger("backline.webhooks")
CLAIM_SECONDS = 300
MAX_RETRY_SECONDS = 6 * 3600
USER_AGENT = "Backline-Webhooks/1"


@dataclass
class Tally:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        for name in ("delivered", "retried", "failed", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def handled(self) -> int:
        return self.delivered + self.retried + self.failed + self.dropped


def _due(now: datetime) -> Q:
    return Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, claimed_until__lt=now
    )


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


class WebhookWorker:
    def __init__(
        self,
        settings: Settings,
        *,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not secrecy)
        self.transport = transport
        # httpx logs each request's URL at INFO, and a partner's URL may carry a token
        # of theirs: our log keeps only what the delivery log does.
        logging.getLogger("httpx").setLevel(logging.WARNING)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.transport,
            follow_redirects=False,
            # Proxies from the environment would connect elsewhere than the address
            # the check approved.
            trust_env=False,
            timeout=httpx.Timeout(self.settings.webhook_timeout_seconds),
            # A new connection each time: a TLS session made for one endpoint's name
            # must not carry another endpoint's message.
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def queue_share_endings(self) -> int:
        """SHARE_ENDED deliveries for the shares that ended since the last call, each
        share_ended row queued once: on PostgreSQL the rows a worker reads are locked
        for it (others skip them); SQLite lets one writer at a time."""
        queued = 0
        while True:
            async with in_transaction():
                query = (
                    ShareEnded.filter(webhooks_queued=False)
                    .order_by("id")
                    .limit(self.settings.webhook_batch_size)
                )
                if _is_postgres():
                    query = query.select_for_update(skip_locked=True)
                rows = await query
                if rows:
                    ids = [row.id for row in rows]
                    await ShareEnded.filter(id__in=ids).update(webhooks_queued=True)
                    queued += await enqueue_share_endings(rows)
            if len(rows) < self.settings.webhook_batch_size:
                return queued

    async def claim(self) -> list[WebhookDelivery]:
        now = datetime.now(UTC)
        token = str(uuid.uuid4())
        async with in_transaction():
            query = (
                WebhookDelivery.filter(_due(now))
                .order_by("id")
                .limit(self.settings.webhook_batch_size)
            )
            if _is_postgres():
                query = query.select_for_update(skip_locked=True)
            ids = [row.id for row in await query.only("id")]
            if ids:
                await WebhookDelivery.filter(_due(now), id__in=ids).update(
                    state=DeliveryState.SENDING,
                    claim=token,
                    claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                )
        if not ids:
            return []
        return (
            await WebhookDelivery.filter(claim=token, state=DeliveryState.SENDING)
            .order_by("id")
            .select_related("endpoint__api_key", "endpoint__owner")
        )

    async def drain(self) -> Tally:
        """Queues what ended, then delivers everything due now; returns what happened."""
        await self.queue_share_endings()
        tally = Tally()
        async with self._client() as client:
            while rows := await self.claim():
                for row in rows:
                    tally += await self._deliver_isolated(client, row)
        return tally

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            tally = await self.drain()
            if tally.handled:
                log.info("webhooks: %s", tally)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
            except TimeoutError:
                pass

    async def _deliver_isolated(self, client: httpx.AsyncClient, row: WebhookDelivery) -> Tally:
        """One delivery's fault is that delivery's alone."""
        try:
            return await self._deliver_one(client, row)
        except Exception as error:
            log.exception("webhook delivery %s: unexpected %s", row.id, type(error).__name__)
            return await self._failed(row, None, f"not sent: unexpected {type(error).__name__}")

    async def _deliver_one(self, client: httpx.AsyncClient, row: WebhookDelivery) -> Tally:
        endpoint = row.endpoint
        reason = rules.reason_not_to_deliver(endpoint, row.event)
        if reason is not None:
            return await self._finish(row, DeliveryState.DROPPED, error=reason)
        try:
            # Again now: the name may point elsewhere than when it was registered.
            target = await webhook_targets.check(endpoint.url, self.settings)
        except InvalidInput as refused:
            return await self._failed(row, None, f"not sent: {refused.message}")
        message, reads = await rules.payload(row, endpoint)
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        now = datetime.now(UTC)
        headers = {
            "host": target.host_header,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": row.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(row.message_id, now, body),
        }
        if reads:
            # The details leave for the partner's system with this attempt.
            await insert_audit_events(reads)
        try:
            async with asyncio.timeout(self.settings.webhook_timeout_seconds):
                async with client.stream(
                    "POST",
                    target.connect_url,
                    content=body.encode(),
                    headers=headers,
                    extensions=target.extensions,
                ) as response:
                    status = response.status_code  # the body is never read
        except (httpx.HTTPError, TimeoutError) as error:
            return await self._failed(row, None, _describe(error))
        if 200 <= status < 300:
            return await self._finish(row, DeliveryState.DELIVERED, status=status)
        return await self._failed(row, status, f"answered HTTP {status}")

    async def _failed(self, row: WebhookDelivery, status: int | None, reason: str) -> Tally:
        """A failed attempt: retried later or given up, and counted against the
        endpoint, which is disabled (and its owner mailed) after a run of them."""
        attempts = row.attempts + 1
        endpoint_id = row.endpoint_id
        async with in_transaction():
            await WebhookEndpoint.filter(id=endpoint_id).update(failures=F("failures") + 1)
            disabled = await WebhookEndpoint.filter(
                id=endpoint_id,
                disabled_at=None,
                failures__gte=self.settings.webhook_disable_after,
            ).update(
                disabled_at=datetime.now(UTC),
                disabled_reason=f"{self.settings.webhook_disable_after} failed deliveries "
                f"in a row; the last: {reason}"[:300],
            )
            if disabled:
                endpoint = await WebhookEndpoint.get(id=endpoint_id)
                await enqueue_webhook_disabled(endpoint)
            if attempts >= self.settings.webhook_max_attempts:
                return await self._finish(
                    row,
                    DeliveryState.FAILED,
                    status=status,
                    error=f"gave up after {attempts} attempts: {reason}",
                )
            delay = min(
                MAX_RETRY_SECONDS,
                self.settings.webhook_retry_base_seconds * 2 ** (attempts - 1),
            )
            delay *= 0.5 + self.rng.random() / 2
            now = datetime.now(UTC)
            await WebhookDelivery.filter(id=row.id, claim=row.claim).update(
                state=DeliveryState.QUEUED,
                attempts=attempts,
                next_attempt_at=now + timedelta(seconds=delay),
                last_attempt_at=now,
                status_code=status,
                last_error=reason[:300],
                claim=None,
                claimed_until=None,
            )
        return Tally(retried=1)

    async def _finish(
        self,
        row: WebhookDelivery,
        state: DeliveryState,
        *,
        status: int | None = None,
        error: str | None = None,
    ) -> Tally:
        now = datetime.now(UTC)
        attempted = state != DeliveryState.DROPPED
        changes = {
            "state": state,
            "attempts": row.attempts + attempted,
            "claim": None,
            "claimed_until": None,
            "last_error": error[:300] if error else None,
            "delivered_at": now if state == DeliveryState.DELIVERED else None,
        }
        if attempted:
            changes |= {"last_attempt_at": now, "status_code": status}
        if state == DeliveryState.DELIVERED:
            # The run of failures that would disable the endpoint is over.
            await WebhookEndpoint.filter(id=row.endpoint_id).update(failures=0)
        if state == DeliveryState.FAILED:
            log.warning("webhook delivery %s failed: %s", row.id, error)
        await WebhookDelivery.filter(id=row.id).update(**changes)
        return Tally(
            delivered=int(state == DeliveryState.DELIVERED),
            failed=int(state == DeliveryState.FAILED),
            dropped=int(state == DeliveryState.DROPPED),
        )


def _describe(error: Exception) -> str:
    """Our words for a failure to get an answer; never the receiver's."""
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "no answer in time"
    if isinstance(error, httpx.ConnectError):
        return "could not connect"
    return f"no answer ({type(error).__name__})"
