"""The ad partner's read of the targeted-ads audience: who consents to TARGETED_ADS, as
hashed addresses, page by page; each page read is written to the audit log. Who is in
it and who may read it are rules of privacy/ads.py."""

from __future__ import annotations

from models.accounts import Account
from models.audit import insert_audit_events
from models.pagination import Page, keyset_page
from privacy import ads
from privacy.viewer import Viewer

CURSOR_KIND = "ads"


async def audience_page(
    viewer: Viewer, *, first: int, after: str | None, maximum: int
) -> Page[str]:
    """A page of SHA-256 hashes of the audience's addresses, newest account first. Empty
    for anyone but a key with ADS_AUDIENCE (privacy/ads.partner_for)."""
    partner = ads.partner_for(viewer)
    query = Account.filter(ads.audience()).only("id", "email") if partner else None
    page = await keyset_page(
        query,
        kind=CURSOR_KIND,
        first=first,
        after=ads.open_cursor(after) if after is not None else None,
        maximum=maximum,
    )
    if page.items:
        await insert_audit_events([ads.read_to_audit(viewer, len(page.items))])
    return Page(
        items=[ads.hashed_address(account.email) for account in page.items],
        cursors=[ads.seal_cursor(cursor) for cursor in page.cursors],
        has_next_page=page.has_next_page,
    )
