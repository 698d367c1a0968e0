"""/unsubscribe/{token}: the link in every promotional mail (RFC 8058).

GET shows a confirmation page and changes nothing, since link scanners fetch every
URL in a mail. POST (the mail client's one-click request, or the page's button)
withdraws the consent and answers 200 with no redirect.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from errors import InvalidTokenError, RateLimitedError
from models.tokens import LinkSigner
from privacy.unsubscribe import describe, read_token
from rate_limits import RateLimits
from services.unsubscribe import unsubscribe
from web.pages import html_page


def _page(status_code: int = 200, **context: object) -> HTMLResponse:
    return html_page(
        "unsubscribe.html",
        status_code,
        **({"invalid": False, "done": False, "limited": False, "what": ""} | context),
    )


def unsubscribe_endpoint(links: LinkSigner, rate_limits: RateLimits):

    async def endpoint(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        try:
            # A garbled or forged token gets its page before anything is counted.
            _account_id, purpose = read_token(links, token)
            if request.method == "POST":
                ip = request.client.host if request.client else None
                await unsubscribe(links, rate_limits, token, ip)
                return _page(done=True, what=describe(purpose))
        except InvalidTokenError:
            return _page(400, invalid=True)
        except RateLimitedError as limited:
            response = _page(429, limited=True)
            response.headers["Retry-After"] = str(limited.retry_after_seconds)
            return response
        return _page(what=describe(purpose))

    return endpoint
