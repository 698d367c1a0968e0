"""In a real headless Chromium: GraphiQL runs the directory query from local assets
under the strict CSP, and the unsubscribe page's button works."""

from __future__ import annotations

import os
import shutil

import pytest

from models.purposes import Purpose
from models.tokens import LinkSigner
from privacy.unsubscribe import make_token
from tests.live_server import SECRET_KEY

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError("REQUIRE_BROWSER is set but Chromium is not installed")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.async_api import async_playwright  # noqa: E402

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def page():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        problems: list[str] = []
        page.on(
            "console", lambda message: message.type == "error" and problems.append(message.text)
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.problems = problems
        yield page
        await browser.close()


async def test_graphiql_runs_the_directory_query_from_local_assets(live_server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(f"{live_server.url}/graphql")
    await page.wait_for_selector(".graphiql-execute-button", timeout=20_000)
    await page.click(".graphiql-execute-button")
    results = page.locator(".graphiql-response")
    await results.get_by_text("Face painting & glitter tattoos").wait_for(timeout=20_000)
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert not [p for p in page.problems if "Content Security Policy" in p], page.problems


async def test_the_unsubscribe_page_button_unsubscribes(live_server, page):
    import sqlite3

    database = live_server.env["DATABASE_URL"].removeprefix("sqlite://")
    with sqlite3.connect(database) as connection:
        (account_id,) = connection.execute(
            "SELECT id FROM account WHERE email = 'casey@demo.backline.example'"
        ).fetchone()
    token = make_token(LinkSigner(SECRET_KEY), account_id, Purpose.PROMOTIONAL_EMAILS)
    await page.goto(f"{live_server.url}/unsubscribe/{token}")
    await page.click("#unsubscribe")
    await page.get_by_text("You are unsubscribed").wait_for(timeout=10_000)
    with sqlite3.connect(database) as connection:
        source = connection.execute(
            "SELECT source FROM consent_event WHERE account_id = ? ORDER BY id DESC LIMIT 1",
            (account_id,),
        ).fetchone()
    assert source == ("UNSUBSCRIBE_LINK",)
