"""Resolves the caller once per request, before any GraphQL runs.

`Authorization: Bearer <token>` names a session (bls_…) or an API key (blk_…). A
missing, unknown, expired or revoked token makes the caller anonymous: queries then
answer what anyone may see, and mutations that need an account answer NotAuthorized.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from models.auth import api_key_for_token, session_for_token, touch_api_key, touch_session
from models.tokens import API_KEY_PREFIX, SESSION_PREFIX
from privacy.viewer import Viewer
from schema.request_state import RequestState

MAX_TOKEN_LENGTH = 512


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


async def viewer_for(headers: Headers, ip: str | None) -> Viewer:
    token = bearer_token(headers)
    if token and token.startswith(SESSION_PREFIX):
        session = await session_for_token(token)
        if session is not None:
            await touch_session(session)
            return Viewer(account=session.account, session_id=session.id, ip=ip)
    elif token and token.startswith(API_KEY_PREFIX):
        key = await api_key_for_token(token)
        if key is not None:
            await touch_api_key(key)
            return Viewer(account=key.owner, api_key_id=key.id, scopes=key.scope_set, ip=ip)
    return Viewer(ip=ip)


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            ip = client[0] if client else None
            RequestState(scope).viewer = await viewer_for(Headers(scope=scope), ip)
        await self.app(scope, receive, send)
