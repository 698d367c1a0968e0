"""Prometheus metrics at /metrics (prometheus-client): requests by GraphQL operation
and outcome, a latency histogram, and the outbox's depth and failures.

Each app has its own registry. With several uvicorn workers each serves its own
counts; scrape every worker, or run prometheus-client's multiprocess mode
(docs/operations.md).

In production the page needs `Authorization: Bearer <METRICS_TOKEN>` and is off
without one: it tells anyone how busy the service is and which operations exist.
Each distinct label value is kept for the life of the process, so operation names
(chosen by clients) are capped in length and number; the rest count as `other`."""

from __future__ import annotations

import hmac
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.functions import Count

from models.outbox import MailState, OutboundEmail
from schema.request_state import RequestState
from settings import Settings
from web.routes import UNMATCHED, route_template

OTHER = "other"
MAX_LABEL_LENGTH = 60


class BoundedLabels:
    """The first `limit` distinct values keep their own label; later ones share `other`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        value = value[:MAX_LABEL_LENGTH]
        if value in self.seen:
            return value
        if len(self.seen) >= self.limit:
            return OTHER
        self.seen.add(value)
        return value


class Metrics:
    def __init__(self, settings: Settings) -> None:
        token = settings.metrics_token
        self.token = token.get_secret_value().encode() if token else None
        self.enabled = self.token is not None or not settings.is_production
        self.operation_label = BoundedLabels(settings.metrics_max_operations)
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "backline_requests",
            "HTTP requests by GraphQL operation and outcome",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "backline_request_seconds",
            "Request latency",
            ["operation"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.outbox = Gauge(
            "backline_outbox_mails",
            "Mails in the outbox by state",
            ["state"],
            registry=self.registry,
        )

    def _authorized(self, request: Request) -> bool:
        if self.token is None:
            return True
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token
        )

    async def endpoint(self, request: Request) -> Response:
        if not self.enabled:
            return PlainTextResponse("Not Found", status_code=404)
        if not self._authorized(request):
            return PlainTextResponse(
                "Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        counts = dict(
            await OutboundEmail.annotate(count=Count("id"))
            .group_by("state")
            .values_list("state", "count")
        )
        for state in MailState:
            self.outbox.labels(state=state.value).set(counts.get(state, 0))
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            state = RequestState(scope)
            operation = self.metrics.operation_label(
                state.operation_name or route_template(scope) or UNMATCHED
            )
            outcome = state.outcome or (
                "ok" if status[0] < 400 else "client_error" if status[0] < 500 else "server_error"
            )
            self.metrics.requests.labels(operation=operation, outcome=outcome).inc()
            self.metrics.latency.labels(operation=operation).observe(time.perf_counter() - started)
