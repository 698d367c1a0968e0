"""Prometheus metrics at /metrics (prometheus-client): requests by GraphQL operation
and outcome, a latency histogram, and the outbox's depth and failures.

One process (tests, `serve --workers 1`): each app has its own registry. Several
uvicorn workers (`serve --workers N`): cli.py points PROMETHEUS_MULTIPROC_DIR at an empty
folder before the workers start, prometheus-client keeps each worker's values in files
there, and a scrape of any worker merges every worker's files (`MultiProcessCollector`),
so one scrape sees the whole server. A worker that stops takes its live gauges with it
(`mark_process_dead`); its counts stay in the totals. The operation-label cap holds per
worker (docs/operations.md).

In production the page needs `Authorization: Bearer <METRICS_TOKEN>` and is off
without one: it tells anyone how busy the service is and which operations exist.
Each distinct label value is kept for the life of the process, so operation names
(chosen by clients) are capped in length and number; the rest count as `other`."""

from __future__ import annotations

import hmac
import logging
import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client import values as prometheus_values
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
# prometheus-client reads it when first imported; set by `python main.py serve --workers N`.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The folder shared by the workers, when this process runs in multiprocess mode
    (prometheus-client chose it when first imported, from the same variable)."""
    folder = os.environ.get(MULTIPROC_DIR)
    in_files = prometheus_values.ValueClass is not prometheus_values.MutexValue
    return folder if folder and in_files else None


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
        self.multiprocess_dir = multiprocess_dir()
        self.broken = False  # logged once: the shared folder could not be written
        # In multiprocess mode the values live in the shared folder and each scrape
        # collects them afresh; registering the metrics too would count this worker twice.
        self.registry = CollectorRegistry()
        own = None if self.multiprocess_dir else self.registry
        self.requests = Counter(
            "backline_requests",
            "HTTP requests by GraphQL operation and outcome",
            ["operation", "outcome"],
            registry=own,
        )
        self.latency = Histogram(
            "backline_request_seconds",
            "Request latency",
            ["operation"],
            registry=own,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        # The outbox is counted in the database at each scrape, by whichever worker
        # answers it: the newest count is the true one, and a stopped worker's goes.
        self.outbox = Gauge(
            "backline_outbox_mails",
            "Mails in the outbox by state",
            ["state"],
            registry=own,
            multiprocess_mode="livemostrecent",
        )

    def scrape_registry(self) -> CollectorRegistry:
        if self.multiprocess_dir is None:
            return self.registry
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)
        return registry

    def observe(self, operation: str, outcome: str, seconds: float) -> None:
        """Counts one request. Metrics never fail a request: in multiprocess mode a value
        lives in a file, and a folder removed under a running server (a temp-folder
        cleaner) would otherwise turn every request with a new label into an error."""
        try:
            self.requests.labels(operation=operation, outcome=outcome).inc()
            self.latency.labels(operation=operation).observe(seconds)
        except OSError:
            if not self.broken:
                self.broken = True
                logging.getLogger("backline").exception(
                    "metrics: cannot write to %s; requests go on uncounted", self.multiprocess_dir
                )

    def process_stopped(self) -> None:
        """This worker's live gauges leave the shared folder (its counts stay)."""
        if self.multiprocess_dir is not None:
            prometheus_multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)

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
        return Response(generate_latest(self.scrape_registry()), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # The app's lifespan ends when this worker stops (uvicorn has no exit hook).
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.process_stopped()
            return
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
            self.metrics.observe(operation, outcome, time.perf_counter() - started)
