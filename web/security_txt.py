"""/.well-known/security.txt (RFC 9116): where to report a vulnerability."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from services import contact
from settings import Settings


def security_txt_endpoint(settings: Settings):

    async def endpoint(request: Request) -> PlainTextResponse:
        # PlainTextResponse sends `text/plain; charset=utf-8`, as RFC 9116 requires.
        return PlainTextResponse(
            contact.security_txt(settings, datetime.now(UTC)),
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return endpoint
