"""The benchmark's hand-written baseline (bench/baseline.py) answers the same requests
with the same bytes as the real GraphQL API, and writes the same audit rows: a ratio
against it compares equal work. Both apps run in-process on one small seeded database
(bench/seed.py) and are called with the same bearer tokens."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from tortoise.transactions import in_transaction

from bench import baseline, seed
from bench.run import DIRECTORY, FILTERED, ME, ME_PAGE, SHARED, TESTIMONIALS
from bench.workloads import DIRECTORY_MIX, UPDATE_LISTING, directory_pages, writable_listings
from models.audit import AuditEvent
from tests.graphql import GraphQLClient

SMALL = argparse.Namespace(performers=40, listings=240, testimonials=24)
AUDITED = ("action", "actor_id", "subject_id", "via", "api_key_id", "grant_id", "detail")


async def last_audit_id() -> int:
    row = await AuditEvent.all().order_by("-id").first()
    return row.id if row else 0


async def audit_rows(after: int, upto: int) -> list[dict]:
    return await AuditEvent.filter(id__gt=after, id__lte=upto).order_by("id").values(*AUDITED)


@dataclass
class Both:
    app: httpx.AsyncClient
    baseline: httpx.AsyncClient
    secrets: dict

    async def graphql(self, query: str, token: str | None = None, **variables) -> bytes:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"query": query, "variables": variables} if variables else {"query": query}
        response = await self.app.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200
        return response.content

    async def plain(self, method: str, path: str, token: str | None = None, **kw) -> bytes:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.baseline.request(method, path, headers=headers, **kw)
        assert response.status_code == 200, response.text
        return response.content


@pytest.fixture
async def both(api: GraphQLClient) -> AsyncIterator[Both]:
    async with in_transaction():  # one commit: seconds less on a busy disk
        secrets = await seed.seed(SMALL)
    transport = httpx.ASGITransport(app=baseline.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://baseline") as plain:
        yield Both(api.http, plain, secrets)


async def test_the_me_page_is_byte_identical(both):
    token = both.secrets["me_token"]
    # when
    app = await both.graphql(ME_PAGE, token)
    plain = await both.plain("GET", "/me", token)
    # then
    assert app == plain
    me = httpx.Response(200, content=app).json()["data"]["me"]
    assert len(me["listings"]) == seed.ME_LISTINGS
    assert len(me["consentHistory"]) == baseline.MAX_LIST_ITEMS  # 60 recorded, capped
    assert len(me["contactShares"]) == seed.ME_SHARES
    assert any(share["revokedAt"] for share in me["contactShares"])
    assert len(me["testimonials"]) == seed.ME_TESTIMONIALS
    assert me["phone"]
    # and a caller who is not signed in (or uses an API key) has no `me`, in both
    for anonymous in (None, both.secrets["partner_key"]):
        assert await both.graphql(ME_PAGE, anonymous) == await both.plain("GET", "/me", anonymous)
    # the smaller `me` workload is a subset of the page, so it needs no baseline of its own
    assert b'"consentHistory"' in await both.graphql(ME, both.secrets["customer_token"])


async def test_the_shared_contacts_page_is_byte_identical_and_audited_alike(both):
    key = both.secrets["partner_key"]
    # when the partner reads the page through the app, then through the baseline
    start = await last_audit_id()
    app = await both.graphql(SHARED, key)
    middle = await last_audit_id()
    plain = await both.plain("GET", "/shared-contacts?first=50", key)
    by_app = await audit_rows(start, middle)
    by_baseline = await audit_rows(middle, await last_audit_id())
    # then the bytes are the same, and so are the audit rows, one per contact returned
    assert app == plain
    edges = httpx.Response(200, content=app).json()["data"]["sharedContacts"]["edges"]
    assert len(edges) == seed.SHARED_CONTACTS
    assert all(edge["node"]["phone"] for edge in edges)
    assert len(by_app) == len(by_baseline) == seed.SHARED_CONTACTS
    assert by_app == by_baseline
    assert {row["action"] for row in by_app} == {"CONTACT_READ"}


async def test_directory_pages_and_listing_edits_are_byte_identical(both):
    # the fixed pages of bench/run.py
    for query, path in (
        (DIRECTORY, "/directory?first=20"),
        (FILTERED, "/directory?first=20&category=Band&state=TX"),
        (TESTIMONIALS, "/testimonials"),
    ):
        assert await both.graphql(query) == await both.plain("GET", path), path
    # pages of the realistic mix, filtered and paged by their real cursors
    # (no filter, each category, each city; the mix also has states and pairs of them)
    pages, _ = await directory_pages(max_depth=2, max_sets=19)
    pages = pages[::3]
    assert any(page.after for page in pages)
    assert {name for page in pages for name, _ in page.filters} == {"category", "city"}
    for page in pages:
        variables = dict(page.filters) | ({"after": page.after} if page.after else {})
        params = {"first": "20", **variables}
        app = await both.graphql(DIRECTORY_MIX, **variables)
        assert app == await both.plain("GET", "/directory", params=params), page
        assert b'"edges":[{' in app
    # the write of the mix: the same edit answers the same
    token, listing = (await writable_listings(both.secrets["writer_tokens"]))[0]
    fields = {name: listing[name] for name in ("title", "category", "city", "state", "description")}
    fields["title"] = "Edited by the bench"
    app = await both.graphql(UPDATE_LISTING, token, id=str(listing["id"]), input=fields)
    plain = await both.plain("POST", f"/listings/{listing['id']}", token, json=fields)
    assert app == plain
    assert b"Edited by the bench" in app
