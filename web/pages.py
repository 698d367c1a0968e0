"""Small HTML pages reached from links in mail (never cached: each shows one person's state)."""

from __future__ import annotations

from starlette.responses import HTMLResponse

from mailers.compose import templates


def html_page(template: str, status_code: int = 200, **context: object) -> HTMLResponse:
    html = templates.get_template(template).render(context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
