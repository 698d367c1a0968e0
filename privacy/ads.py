"""Targeted advertising: "behavioural targeting opt-out". The company's ad partner gets
the people who consent to TARGETED_ADS, each as the SHA-256 of their email address (what
ad platforms match customer lists on), and nothing else: no name, no account id, not
even in a page cursor. Off means the partner gets nothing about the person, from the
next page it reads.

Who is in the audience is one SQL condition (`audience`), so pages and cursors never
count anyone else. Only an API key with ADS_AUDIENCE reads it, and only staff create
such a key: it is the company's integration, not a member's tool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from cryptography.fernet import InvalidToken
from tortoise.expressions import Q

import encryption
from errors import BadUserInput, NotAuthorizedError
from models.accounts import Account, AccountStatus, Role
from models.api_keys import ApiScope
from models.audit import AccessMethod, AuditAction, AuditEvent
from models.purposes import Purpose
from privacy import addresses, consent
from privacy.viewer import Viewer

# Longer than any cursor `seal_cursor` makes; anything longer is not one.
MAX_CURSOR_LENGTH = 400


def audience() -> Q:
    """Accounts the ad partner may know of: active, consenting to TARGETED_ADS now, and
    with an address the person has confirmed is theirs (an address nobody confirmed
    may be someone else's, who never consented)."""
    active = Q(status=AccountStatus.ACTIVE)
    return active & addresses.confirmed() & consent.granted(Purpose.TARGETED_ADS)


def hashed_address(email: str) -> str:
    """Lower-case hex SHA-256 of the trimmed, lower-cased address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def ensure_may_create(owner: Account, scopes: Iterable[ApiScope]) -> None:
    """Only staff create a key that reads the ad audience."""
    if ApiScope.ADS_AUDIENCE in set(scopes) and owner.role != Role.STAFF:
        raise NotAuthorizedError("Only staff can create a key for the ad partner.")


def partner_for(viewer: Viewer) -> Account | None:
    """The account an audience read is for: the owner of an API key holding
    ADS_AUDIENCE, who must still be staff. A session (of any role, staff too) and an
    anonymous caller get nothing (None); a key without the scope is refused."""
    if viewer.api_key_id is None:
        return None
    owner = viewer.account_for(ApiScope.ADS_AUDIENCE)
    if owner is not None and owner.role != Role.STAFF:
        raise NotAuthorizedError("This key's owner can no longer read the ad audience.")
    return owner


def seal_cursor(cursor: str) -> str:
    """A page cursor names an account id; the partner gets it encrypted, so that it
    cannot tie a hash to an account (nor to that account's public listings)."""
    return encryption.encrypt(cursor)


def open_cursor(sealed: str) -> str:
    if len(sealed) <= MAX_CURSOR_LENGTH and sealed.startswith(encryption.FERNET_PREFIX):
        try:
            return encryption.decrypt(sealed)
        except InvalidToken:
            pass
    raise BadUserInput("after", "This cursor is not valid here.")


def read_to_audit(viewer: Viewer, count: int) -> AuditEvent:
    """One audit event per page read: who read, through which key, how many people.
    Unsaved: services/ads_audience.py writes it."""
    return AuditEvent(
        action=AuditAction.ADS_AUDIENCE_READ,
        actor_id=viewer.account.id if viewer.account else None,
        via=AccessMethod.API_KEY,
        api_key_id=viewer.api_key_id,
        detail={"count": count},
    )
