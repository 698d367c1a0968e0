"""Global Privacy Control: a signed-in request carrying `Sec-GPC: 1` opts its person
out of targeted ads and partner promotions (privacy/gpc.py), before any GraphQL runs,
so that the answer to that very request already reflects it.

Only a person's own session counts: an API key is a tool acting for its owner, not the
owner's browser, and an anonymous request has nobody to record the signal for.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from privacy.gpc import sends_opt_out
from schema.request_state import RequestState
from services import gpc


class GlobalPrivacyControlMiddleware:
    """After authentication, which says who is asking."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and sends_opt_out(Headers(scope=scope).get("sec-gpc")):
            state = RequestState(scope)
            viewer = state.viewer
            if viewer is not None and viewer.person is not None:
                # The choices just read serve the request's own reads of them.
                state.preferences = await gpc.honour(viewer.person, ip=viewer.ip)
        await self.app(scope, receive, send)
