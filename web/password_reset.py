"""/account/reset-password/{token}: the link in the password reset mail, so that it works
without a frontend. GET shows a form and changes nothing (link scanners fetch every URL
in a mail); POST sets the password. The token is in the path, which the request log
records as its route's template only (web/routes.py); the password is in the body,
which nothing logs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from errors import InvalidInput, InvalidTokenError
from models import validation
from models.tokens import LinkSigner
from privacy import password_reset as reset_links
from services import password_reset
from web.pages import html_page


def _page(status_code: int = 200, **context: object) -> HTMLResponse:
    defaults = {
        "invalid": False,
        "done": False,
        "error": None,
        "min_length": validation.MIN_PASSWORD_LENGTH,
        "max_length": validation.MAX_PASSWORD_LENGTH,
    }
    return html_page("reset_password_page.html", status_code, **(defaults | context))


def reset_password_endpoint(links: LinkSigner):

    async def endpoint(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        try:
            if request.method == "POST":
                form = await request.form()
                new_password = form.get("password")
                if not isinstance(new_password, str):
                    return _page(400, error="Type a new password.")
                await password_reset.reset_password(links, token=token, new_password=new_password)
                return _page(done=True)
            # Only reads: whether the link still works.
            await reset_links.account_to_reset(links, token)
        except InvalidTokenError:
            return _page(400, invalid=True)
        except InvalidInput as invalid:
            return _page(400, error=invalid.message)
        return _page()

    return endpoint
