"""Contact sharing: reading the contacts shared with you (every read audited), and
withdrawing a share of your own details."""

from __future__ import annotations

from models.accounts import Account
from models.api_keys import ApiScope
from models.audit import insert_audit_events
from models.ids import parse_id
from models.pagination import Page
from models.revocation import revoke_owned
from models.sharing import ContactGrant, grants_to
from privacy import sharing
from privacy.viewer import Viewer


async def shared_contacts(
    viewer: Viewer, *, first: int, after: str | None, maximum: int
) -> Page[ContactGrant]:
    """The grants in force whose details the viewer may read (a session, or an API key
    with CONTACTS_READ), newest first; each read is written to the audit log."""
    recipient = viewer.account_for(ApiScope.CONTACTS_READ)
    page = await grants_to(recipient, sharing.in_force(), first=first, after=after, maximum=maximum)
    reads = sharing.reads_to_audit(viewer, page.items)
    if reads:
        await insert_audit_events(reads)
    return page


async def revoke_share(owner: Account, grant_id: str) -> ContactGrant:
    """Only the owner withdraws a share of their details: another person's id names
    nothing. Answers the grant with its recipient and listing, to show what stopped."""
    grant = await revoke_owned(
        ContactGrant, parse_id(grant_id), owner.id, "No such share of your details."
    )
    await grant.fetch_related("recipient", "inquiry__listing")
    return grant
