"""Request bodies over MAX_BODY_BYTES are refused with 413 before anything parses
them: at once when Content-Length says so, or as soon as the bytes received pass the
limit (a chunked body has no length to check in advance)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


def _refusal(status_code: int, text: str) -> PlainTextResponse:
    # Closing the connection spares reading the rest of a body nobody wants.
    return PlainTextResponse(text, status_code=status_code, headers={"Connection": "close"})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isascii() or not declared.isdigit():
                await _refusal(400, "Bad Content-Length")(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await _refusal(413, "Request body too large")(scope, receive, send)
                return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # A response already under way cannot turn into a 413; the connection ends.
            if not response_started:
                await _refusal(413, "Request body too large")(scope, receive, send)
