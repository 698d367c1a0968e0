"""The app factory: the ASGI application uvicorn serves (`main:create_app`), with its
routes, its middleware stack and its lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from tortoise import connections

import db
from models.tokens import LinkSigner
from rate_limits import RateLimits
from services.contact import SECURITY_TXT_PATH
from settings import Settings, get_settings
from web import logs
from web.address_confirmation import confirm_address_endpoint
from web.auth import AuthenticationMiddleware
from web.body_limit import BodyLimitMiddleware
from web.cache_control import CacheControlMiddleware
from web.email_change import confirm_email_endpoint
from web.gpc import GlobalPrivacyControlMiddleware
from web.graphql_view import STATIC, GraphQLView
from web.logs import RequestIdMiddleware
from web.metrics import Metrics, MetricsMiddleware
from web.outage import OutageMiddleware
from web.password_reset import reset_password_endpoint
from web.public_cache import PublicCacheMiddleware, PublicResponseCache
from web.request_log import RequestLogBuffer, RequestLogMiddleware
from web.security_headers import SecurityHeadersMiddleware
from web.security_txt import security_txt_endpoint
from web.testimonials import testimonial_consent_endpoint
from web.unsubscribe import unsubscribe_endpoint


async def healthz(request: Request) -> Response:
    """The process is up."""
    return PlainTextResponse("ok")


def readyz_endpoint(rate_limits: RateLimits):
    async def readyz(request: Request) -> Response:
        """The process can serve: its database answers. Rate limits counted per process
        (Redis unreachable) still serve, so still ready, and say so (docs/operations.md,
        "Faults survived")."""
        try:
            await connections.get("default").execute_query("SELECT 1")
        except Exception as error:  # any failure means not ready; the reason goes to the log
            reason = db.unavailable(error)
            if reason is None:
                logging.getLogger("backline").exception("readiness check failed")
            else:
                logging.getLogger("backline").warning("readiness: database %s", reason)
            return PlainTextResponse("database unreachable", status_code=503)
        degraded = await rate_limits.check()
        if degraded:
            return PlainTextResponse(f"ready (rate limits per process: {degraded})")
        return PlainTextResponse("ready")

    return readyz


def middleware(
    settings: Settings, request_log: RequestLogBuffer, metrics: Metrics, echo: bool
) -> list[Middleware]:
    stack = [
        Middleware(RequestIdMiddleware),
        Middleware(SecurityHeadersMiddleware, production=settings.is_production),
        Middleware(CacheControlMiddleware),
    ]
    origins = [origin.strip() for origin in settings.allowed_origins.split(",") if origin.strip()]
    if origins:
        # Off unless ALLOWED_ORIGINS names who may call from a browser.
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
        )
    # The log wraps authentication, so that it knows who made each request; the body
    # limit comes before anything that reads a body, but inside the log, which records
    # each refusal.
    stack += [
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(RequestLogMiddleware, buffer=request_log, echo=echo),
        # A database outage under anything below answers 503, and the log records it.
        Middleware(OutageMiddleware),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        Middleware(AuthenticationMiddleware),
        # Needs to know who is asking; honours the signal before the request runs.
        Middleware(GlobalPrivacyControlMiddleware),
    ]
    if settings.public_cache_entries:
        cache = PublicResponseCache(settings.public_cache_entries, settings.public_cache_max_bytes)
        stack.append(Middleware(PublicCacheMiddleware, cache=cache, max_tokens=settings.max_tokens))
    return stack


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    chosen = logs.configure(settings.log_format, production=settings.is_production)
    echo = settings.log_requests if settings.log_requests is not None else chosen == "text"

    request_log = RequestLogBuffer(settings.request_log_flush_seconds)
    metrics = Metrics(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with db.database(settings):
            yield
            await request_log.close()

    rate_limits = RateLimits(settings)
    links = LinkSigner(settings.secret_key.get_secret_value())
    graphql = GraphQLView(settings, rate_limits, links)
    development_only = (
        []
        if settings.is_production
        else [Mount("/static", StaticFiles(directory=STATIC), name="static")]
    )
    return Starlette(
        routes=[
            *development_only,
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz_endpoint(rate_limits)),
            Route("/metrics", metrics.endpoint),
            Route(SECURITY_TXT_PATH, security_txt_endpoint(settings)),
            Route(
                "/unsubscribe/{token}",
                unsubscribe_endpoint(links, rate_limits),
                methods=["GET", "POST"],
            ),
            Route(
                "/account/confirm-email/{token}",
                confirm_email_endpoint(links),
                methods=["GET", "POST"],
            ),
            Route(
                "/account/confirm-address/{token}",
                confirm_address_endpoint(links),
                methods=["GET", "POST"],
            ),
            Route(
                "/account/reset-password/{token}",
                reset_password_endpoint(links),
                methods=["GET", "POST"],
            ),
            Route(
                "/testimonials/consent/{token}",
                testimonial_consent_endpoint(links, settings.default_phone_region),
                methods=["GET", "POST"],
            ),
        ],
        middleware=middleware(settings, request_log, metrics, echo),
        lifespan=lifespan,
    )
