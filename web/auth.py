"""Resolves the caller once per request, before any GraphQL runs.

`Authorization: Bearer <token>` names a session. A missing, unknown, expired or
revoked token makes the caller anonymous: queries then answer what anyone may see,
and mutations that need an account answer NotAuthorized.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from models.auth import SESSION_TOKEN_PREFIX, session_for_token
from privacy.viewer import Viewer

MAX_TOKEN_LENGTH = 512


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


async def viewer_for(headers: Headers, ip: str | None) -> Viewer:
    token = bearer_token(headers)
    if token and token.startswith(SESSION_TOKEN_PREFIX):
        session = await session_for_token(token)
        if session is not None:
            return Viewer(account=session.account, session_id=session.id, ip=ip)
    return Viewer(ip=ip)


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            ip = client[0] if client else None
            scope.setdefault("state", {})["viewer"] = await viewer_for(Headers(scope=scope), ip)
        await self.app(scope, receive, send)
