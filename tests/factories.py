"""Small builders of test data, written straight to the real database.

Every account shares one Argon2 hash computed once, so building people costs no
hashing time; the registration path itself is tested through GraphQL.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from models import auth
from models.accounts import Account, Role
from models.api_keys import ApiScope
from models.listings import Listing
from models.policies import policy_in_force
from models.purposes import ConsentSource, Purpose
from models.sharing import BookingInquiry
from privacy import consent
from services import api_keys, inquiries

PASSWORD = "correct horse battery"
_PASSWORD_HASH = auth.hash_password(PASSWORD)
_numbers = itertools.count(1)


@dataclass
class Person:
    account: Account
    token: str

    @property
    def id(self) -> str:
        return str(self.account.id)


def consents(*granted: Purpose) -> dict[Purpose, bool]:
    return {purpose: purpose in granted for purpose in Purpose}


async def person(
    *,
    role: Role = Role.CUSTOMER,
    name: str | None = None,
    email: str | None = None,
    granted: tuple[Purpose, ...] = (),
    phone: str | None = None,
    confirmed: bool = True,
) -> Person:
    """`confirmed`: whether the address is confirmed (double opt-in); a registration
    through the API starts unconfirmed."""
    number = next(_numbers)
    now = datetime.now(UTC)
    policy = await policy_in_force(now)
    account = await Account.create(
        name=name or f"Person {number}",
        email=email or f"person{number}@example.com",
        password_hash=_PASSWORD_HASH,
        phone=phone,
        role=role,
        policy_version_id=policy.id,
        email_confirmed_at=now if confirmed else None,
    )
    await consent.record_choices(account, consents(*granted), ConsentSource.REGISTRATION, None)
    token = await auth.start_session(account, session_days=1)
    return Person(account=account, token=token)


async def customer(**kwargs) -> Person:
    return await person(role=Role.CUSTOMER, **kwargs)


async def performer(**kwargs) -> Person:
    return await person(role=Role.PERFORMER, **kwargs)


async def staff(**kwargs) -> Person:
    return await person(role=Role.STAFF, **kwargs)


async def listing(owner: Person, **overrides) -> Listing:
    values = {
        "title": "Wedding band",
        "category": "Band",
        "city": "Austin",
        "state": "TX",
        "description": "Soul and funk for weddings.",
        "in_directory": True,
    } | overrides
    return await Listing.create(owner_id=owner.account.id, **values)


class _Unlimited:
    """Tests build data past any rate limit; the limits have tests of their own
    (tests/test_abuse_limits.py, through the API)."""

    async def inquiry(self, account_id: int, listing_id: int | None) -> None:
        return None


_UNLIMITED = _Unlimited()


async def inquiry(customer: Person, listing: Listing, **overrides) -> BookingInquiry:
    """Sent as the booking service sends it, sharing under each side's consent."""
    values = {
        "listing_id": str(listing.id),
        "event_date": (date.today() + timedelta(days=90)).isoformat(),
        "event_type": "Wedding",
        "message": "Are you free that evening?",
    } | overrides
    fields = inquiries.InquiryFields(**values)
    return await inquiries.send_inquiry(customer.account, fields, _UNLIMITED)


async def api_key(owner: Person, *scopes: ApiScope) -> str:
    _key, token = await api_keys.create_key(owner.account, "Partner tool", list(scopes))
    return token
