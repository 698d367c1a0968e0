"""The webhook worker (`python main.py webhook-worker`): queues the SHARE_ENDED deliveries
of shares that ended, claims due deliveries, composes each (privacy/webhooks.payload: ids
and times, never a person's details), signs it per the Standard Webhooks spec
(`standardwebhooks`: the webhook-id, webhook-timestamp and webhook-signature headers) and
POSTs it with httpx.

Deliveries go out WEBHOOK_CONCURRENCY at a time, and at most one per endpoint: a claim
takes the oldest due delivery of endpoints that have none in flight (this worker's or
another's), so one slow or hanging endpoint holds one slot while the others' deliveries
go on. A claim is made when a slot frees, for one attempt, and lasts what an attempt can
take (the name's lookup, WEBHOOK_TIMEOUT_SECONDS, and room for the bookkeeping).

Claims work as the mail worker's do (mailers/worker.py): `SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL, an UPDATE that re-checks each row on SQLite, and a claim that
expires, so several workers share the load and a dead worker's rows go out later. Just
before the POST the worker re-asserts its claim and extends it past the POST's deadline
(an UPDATE on the row's id and this claim): if that matches nothing, the claim ran out
and another worker has the row, so this one sends nothing. Every state change names the
claim too, so a worker never records its result over another's.

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
from tortoise.expressions import F, Q, Subquery
from tortoise.transactions import in_transaction

import db
from errors import InvalidInput
from mailers.enqueue import enqueue_webhook_disabled
from models.sharing import ShareEnded
from models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from privacy import webhook_targets
from privacy import webhooks as rules
from settings import Settings
from webhooks.enqueue import enqueue_share_endings

log = logging.getLogger("backline.webhooks")
# The bookkeeping around one attempt (its checks, composing, recording), on a busy
# database: what a claim holds beyond the lookup and the POST's deadline.
CLAIM_MARGIN_SECONDS = 60
MAX_RETRY_SECONDS = 6 * 3600
USER_AGENT = "Backline-Webhooks/1"


@dataclass
class Tally:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    # Taken over by another worker (this one's claim ran out): not sent, or sent and
    # left for that worker to record.
    lost: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        for name in ("delivered", "retried", "failed", "dropped", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def handled(self) -> int:
        return self.delivered + self.retried + self.failed + self.dropped + self.lost


def _due(now: datetime) -> Q:
    return Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, claimed_until__lt=now
    )


def _busy_endpoints(now: datetime) -> Subquery:
    """Endpoints with a delivery in flight: claimed by a worker, the claim still running."""
    return Subquery(
        WebhookDelivery.filter(state=DeliveryState.SENDING, claimed_until__gte=now).values(
            "endpoint_id"
        )
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

    def client(self) -> httpx.AsyncClient:
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

    @property
    def claim_seconds(self) -> float:
        """How long a claim holds: one attempt, from the name's lookup to the end of the
        POST's deadline, and the bookkeeping around it."""
        lookup = webhook_targets.LOOKUP_SECONDS
        return lookup + self.settings.webhook_timeout_seconds + CLAIM_MARGIN_SECONDS

    async def claim(self, slots: int) -> list[WebhookDelivery]:
        """Claims at most `slots` due deliveries, the oldest of each endpoint that has none
        in flight, each for one attempt (with their endpoints, keys and owners)."""
        if slots <= 0:
            return []
        now = datetime.now(UTC)
        token = str(uuid.uuid4())
        async with in_transaction():
            query = (
                WebhookDelivery.filter(_due(now))
                .exclude(endpoint_id__in=_busy_endpoints(now))
                .order_by("id")
                .limit(self.settings.webhook_batch_size)
            )
            if _is_postgres():
                query = query.select_for_update(skip_locked=True)
            oldest: dict[int, int] = {}  # endpoint: its oldest due delivery
            for row in await query.only("id", "endpoint_id"):
                if len(oldest) < slots:
                    oldest.setdefault(row.endpoint_id, row.id)
            if oldest and _is_postgres():
                oldest = await self._lock_endpoints(oldest)
            if oldest:
                await (
                    WebhookDelivery.filter(_due(now), id__in=list(oldest.values()))
                    .exclude(endpoint_id__in=_busy_endpoints(now))
                    .update(
                        state=DeliveryState.SENDING,
                        claim=token,
                        claimed_until=now + timedelta(seconds=self.claim_seconds),
                    )
                )
        if not oldest:
            return []
        return (
            await WebhookDelivery.filter(claim=token, state=DeliveryState.SENDING)
            .order_by("id")
            .select_related("endpoint__api_key", "endpoint__owner")
        )

    async def _lock_endpoints(self, oldest: dict[int, int]) -> dict[int, int]:
        """Keeps the endpoints this transaction could lock. Two workers claiming at once
        lock different deliveries, maybe of one endpoint, and neither sees the other's
        claim before it commits: the endpoint's row, locked until the claim commits, is
        what keeps one delivery in flight per endpoint across workers. The UPDATE that
        follows runs after the lock is taken, so it sees any claim committed before."""
        # (Tortoise's values_list() drops FOR UPDATE: only() keeps it.)
        locked = await (
            WebhookEndpoint.filter(id__in=list(oldest))
            .select_for_update(skip_locked=True)
            .only("id")
        )
        return {endpoint.id: oldest[endpoint.id] for endpoint in locked}

    async def drain(self) -> Tally:
        """Queues what ended, then delivers everything due now, WEBHOOK_CONCURRENCY at a
        time and one per endpoint; returns what happened."""
        await self.queue_share_endings()
        tally = Tally()
        running: set[asyncio.Task[Tally]] = set()
        async with self.client() as client:
            try:
                while True:
                    free = self.settings.webhook_concurrency - len(running)
                    claimed = await self.claim(free)
                    for row in claimed:
                        running.add(asyncio.create_task(self.deliver(client, row)))
                    if claimed:
                        continue  # other endpoints may have deliveries due as well
                    if not running:
                        return tally
                    # Until a slot frees, or the poll comes round: what fell due meanwhile
                    # for other endpoints does not wait for a slow one's deadline.
                    done, running = await asyncio.wait(
                        running,
                        timeout=self.settings.worker_poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    for task in done:
                        tally += task.result()
            finally:
                # Stopped midway: what is in flight ends here; its claims run out.
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)

    async def run(self, stop: asyncio.Event) -> None:
        outage: str | None = None
        while not stop.is_set():
            try:
                tally = await self.drain()
            except Exception as error:
                reason = db.unavailable(error)
                if reason is None:
                    raise
                # What was claimed stays claimed; the claims run out and are taken again.
                if outage is None:
                    log.warning("webhooks: database %s; trying again", reason)
                outage = reason
            else:
                if outage is not None:
                    log.warning("webhooks: the database answers again")
                    outage = None
                if tally.handled:
                    log.info("webhooks: %s", tally)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
            except TimeoutError:
                pass

    async def deliver(self, client: httpx.AsyncClient, row: WebhookDelivery) -> Tally:
        """One attempt at a delivery this worker claimed. One delivery's fault is that
        delivery's alone."""
        try:
            return await self._deliver_one(client, row)
        except Exception as error:
            reason = db.unavailable(error)
            if reason is not None:
                # The database's trouble, not this delivery's: it stays claimed, and is
                # delivered once the database is back and the claim has run out.
                raise db.Unavailable(reason) from error
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
        body = json.dumps(rules.payload(row), separators=(",", ":"), ensure_ascii=False)
        if not await self._renew(row):
            log.info("webhook delivery %s: taken over by another worker; not sent", row.id)
            return Tally(lost=1)
        now = datetime.now(UTC)
        headers = {
            "host": target.host_header,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": row.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(row.message_id, now, body),
        }
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

    async def _renew(self, row: WebhookDelivery) -> bool:
        """Re-asserts this worker's claim just before the POST, extended past the POST's
        deadline. False when it matched nothing: the claim ran out and another worker
        took the row (and sends it)."""
        until = datetime.now(UTC) + timedelta(
            seconds=self.settings.webhook_timeout_seconds + CLAIM_MARGIN_SECONDS
        )
        renewed = await WebhookDelivery.filter(
            id=row.id, claim=row.claim, state=DeliveryState.SENDING
        ).update(claimed_until=until)
        return renewed > 0

    async def _record(self, row: WebhookDelivery, changes: dict) -> bool:
        """Writes the outcome of this worker's attempt, only while the row is still
        claimed by it: a row another worker took over is that worker's to record."""
        recorded = await WebhookDelivery.filter(
            id=row.id, claim=row.claim, state=DeliveryState.SENDING
        ).update(**changes)
        if not recorded:
            log.info("webhook delivery %s: taken over by another worker; not recorded", row.id)
        return recorded > 0

    async def _failed(self, row: WebhookDelivery, status: int | None, reason: str) -> Tally:
        """A failed attempt: retried later or given up, and counted against the
        endpoint, which is disabled (and its owner mailed) after a run of them."""
        attempts = row.attempts + 1
        now = datetime.now(UTC)
        gave_up = attempts >= self.settings.webhook_max_attempts
        if gave_up:
            error = f"gave up after {attempts} attempts: {reason}"
            changes = _finished(DeliveryState.FAILED, attempts, now, status=status, error=error)
        else:
            delay = min(
                MAX_RETRY_SECONDS,
                self.settings.webhook_retry_base_seconds * 2 ** (attempts - 1),
            )
            delay *= 0.5 + self.rng.random() / 2
            changes = {
                "state": DeliveryState.QUEUED,
                "attempts": attempts,
                "next_attempt_at": now + timedelta(seconds=delay),
                "last_attempt_at": now,
                "status_code": status,
                "last_error": reason[:300],
                "claim": None,
                "claimed_until": None,
            }
        endpoint_id = row.endpoint_id
        async with in_transaction():
            if not await self._record(row, changes):
                return Tally(lost=1)
            await WebhookEndpoint.filter(id=endpoint_id).update(failures=F("failures") + 1)
            disabled = await WebhookEndpoint.filter(
                id=endpoint_id,
                disabled_at=None,
                failures__gte=self.settings.webhook_disable_after,
            ).update(
                disabled_at=now,
                disabled_reason=f"{self.settings.webhook_disable_after} failed deliveries "
                f"in a row; the last: {reason}"[:300],
            )
            if disabled:
                endpoint = await WebhookEndpoint.get(id=endpoint_id)
                await enqueue_webhook_disabled(endpoint)
        if gave_up:
            log.warning("webhook delivery %s failed: %s", row.id, changes["last_error"])
            return Tally(failed=1)
        return Tally(retried=1)

    async def _finish(
        self,
        row: WebhookDelivery,
        state: DeliveryState,
        *,
        status: int | None = None,
        error: str | None = None,
    ) -> Tally:
        """Delivered or dropped."""
        attempts = row.attempts + (state != DeliveryState.DROPPED)
        changes = _finished(state, attempts, datetime.now(UTC), status=status, error=error)
        async with in_transaction():
            if state == DeliveryState.DELIVERED:
                # The run of failures that would disable the endpoint is over.
                await WebhookEndpoint.filter(id=row.endpoint_id).update(failures=0)
            if not await self._record(row, changes):
                return Tally(lost=1)
        return Tally(
            delivered=int(state == DeliveryState.DELIVERED),
            dropped=int(state == DeliveryState.DROPPED),
        )


def _finished(
    state: DeliveryState,
    attempts: int,
    now: datetime,
    *,
    status: int | None = None,
    error: str | None = None,
) -> dict:
    """The changes that end a delivery: DELIVERED, FAILED or DROPPED (not attempted)."""
    changes = {
        "state": state,
        "attempts": attempts,
        "claim": None,
        "claimed_until": None,
        "last_error": error[:300] if error else None,
        "delivered_at": now if state == DeliveryState.DELIVERED else None,
    }
    if state != DeliveryState.DROPPED:
        changes |= {"last_attempt_at": now, "status_code": status}
    return changes


def _describe(error: Exception) -> str:
    """Our words for a failure to get an answer; never the receiver's."""
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "no answer in time"
    if isinstance(error, httpx.ConnectError):
        return "could not connect"
    return f"no answer ({type(error).__name__})"
