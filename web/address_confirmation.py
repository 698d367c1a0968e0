"""/account/confirm-address/{token}: the link in the welcome and confirmation mails.
GET asks, POST confirms (link scanners fetch every URL in a mail)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from errors import InvalidTokenError
from models.tokens import LinkSigner
from services import address_confirmation
from web.pages import html_page


def _page(status_code: int = 200, **context: object) -> HTMLResponse:
    defaults = {"invalid": False, "done": False, "email": ""}
    return html_page("confirm_address_page.html", status_code, **(defaults | context))


def confirm_address_endpoint(links: LinkSigner):

    async def endpoint(request: Request) -> HTMLResponse:
        if request.method == "GET":
            return _page()
        try:
            account = await address_confirmation.confirm_address(
                links, request.path_params["token"]
            )
        except InvalidTokenError:
            return _page(400, invalid=True)
        return _page(done=True, email=account.email)

    return endpoint
