"""/account/confirm-email/{token}: the link sent to a new address. GET asks, POST
confirms (link scanners fetch every URL in a mail)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from errors import EmailTakenError, InvalidTokenError
from models.tokens import LinkSigner
from services import profiles
from web.pages import html_page


def _page(status_code: int = 200, **context: object) -> HTMLResponse:
    defaults = {"invalid": False, "taken": False, "done": False, "email": ""}
    return html_page("confirm_email_page.html", status_code, **(defaults | context))


def confirm_email_endpoint(links: LinkSigner):

    async def endpoint(request: Request) -> HTMLResponse:
        if request.method == "GET":
            return _page()
        try:
            account = await profiles.confirm_email_change(links, request.path_params["token"])
        except InvalidTokenError:
            return _page(400, invalid=True)
        except EmailTakenError:
            return _page(409, taken=True)
        return _page(done=True, email=account.email)

    return endpoint
