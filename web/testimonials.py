"""/testimonials/consent/{token}: the link in the consent mail.

GET shows what would be published and two buttons, changing nothing (link scanners
fetch every URL in a mail); POST records the author's answer.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from errors import InvalidTokenError
from models.tokens import LinkSigner
from privacy import testimonials
from services.testimonials import respond
from web.pages import html_page


def _page(status_code: int = 200, **context: object) -> HTMLResponse:
    return html_page(
        "testimonial_consent_page.html",
        status_code,
        **({"invalid": False, "status": None} | context),
    )


def testimonial_consent_endpoint(links: LinkSigner, phone_region: str):

    async def endpoint(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        try:
            if request.method == "POST":
                form = await request.form()
                decision = form.get("decision")
                if decision not in {"approve", "decline"}:
                    return _page(400)
                testimonial = await respond(
                    links, token, decision == "approve", phone_region=phone_region
                )
                return _page(status=testimonial.status.value)
            # Only reads: whether the token still opens a testimonial.
            await testimonials.pending(links, token)
        except InvalidTokenError:
            return _page(400, invalid=True)
        return _page()

    return endpoint
