"""Benchmark data: performers with listings, published testimonials, a customer with a
consent history, a partner with an API key and 50 shared contacts, a performer whose
own `me` page has something in every list, and signed-in performers who edit listings.

    .venv/bin/python bench/seed.py DATABASE_URL [--performers 1000 --listings 5000 ...]

Prints the secrets the workloads use as JSON on the last line. Phone numbers are
encrypted with the keys of the environment (ENCRYPTION_KEYS), so the app that reads them
must run with the same keys.

Everything is written through the ORM's tables (and models/tokens.hash_token), never
through the app's use cases, so that moving those does not move the benchmark's data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402
from tortoise import connections  # noqa: E402
from tortoise.transactions import in_transaction  # noqa: E402

import db  # noqa: E402
from models.accounts import (  # noqa: E402
    Account,
    ConsentEvent,
    PrivacyPreferences,
    Role,
    Session,
)
from models.api_keys import ApiKey, ApiScope  # noqa: E402
from models.listings import CATEGORIES, Listing  # noqa: E402
from models.policies import PolicyVersion  # noqa: E402
from models.purposes import ConsentSource, Purpose  # noqa: E402
from models.sharing import BookingInquiry, ContactGrant  # noqa: E402
from models.testimonials import Testimonial, TestimonialStatus  # noqa: E402
from models.tokens import API_KEY_PREFIX, SESSION_PREFIX, hash_token  # noqa: E402
from settings import Settings  # noqa: E402

CITIES = [
    ("Austin", "TX"),
    ("Boston", "MA"),
    ("Chicago", "IL"),
    ("Denver", "CO"),
    ("Seattle", "WA"),
    ("Miami", "FL"),
    ("Portland", "OR"),
    ("Nashville", "TN"),
]
BATCH = 2000
SHARED_CONTACTS = 50  # live grants the partner reads with its API key
HIDDEN_CONTACTS = 10  # grants to the partner that are not in force (revoked, no consent)
WRITERS = 20  # performers signed in, editing their listings in the directory mix
ME_LISTINGS = 25
ME_CONSENT_EVENTS = 60  # over the 50-item cap, so the cap is part of the page
ME_SHARES = 30
ME_TESTIMONIALS = 10


@cache
def password_hash() -> str:
    return PasswordHasher().hash("bench password")


async def policy_id() -> int:
    """The policy in force now (the first one is made by a migration)."""
    policy = (
        await PolicyVersion.filter(effective_at__lte=datetime.now(UTC))
        .order_by("-effective_at", "-id")
        .first()
    )
    return policy.id


async def session_token(account_id: int) -> str:
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    await Session.create(
        account_id=account_id,
        token_hash=hash_token(token),
        expires_at=datetime.now(UTC) + timedelta(days=30),
    )
    return token


async def api_key_token(owner_id: int, scopes: list[ApiScope]) -> str:
    token = API_KEY_PREFIX + secrets.token_urlsafe(32)
    await ApiKey.create(
        owner_id=owner_id,
        name="bench",
        scopes=" ".join(sorted(scopes)),
        token_hash=hash_token(token),
    )
    return token


async def consent_history(account_id: int, policy: int, count: int) -> None:
    """Registration answers every purpose, then settings toggle targeted ads; the
    preferences row ends as the ledger says."""
    events = [
        ConsentEvent(
            account_id=account_id,
            purpose=purpose,
            granted=purpose == Purpose.CONTACT_SHARING,
            source=ConsentSource.REGISTRATION,
            policy_version_id=policy,
        )
        for purpose in Purpose
    ]
    events += [
        ConsentEvent(
            account_id=account_id,
            purpose=Purpose.TARGETED_ADS,
            granted=n % 2 == 0,
            source=ConsentSource.SETTINGS,
            policy_version_id=policy,
            ip="198.51.100.7",
        )
        for n in range(max(count - len(events), 0))
    ]
    await ConsentEvent.bulk_create(events)
    await PrivacyPreferences.filter(account_id=account_id).update(
        targeted_ads=events[-1].granted if events[-1].purpose == Purpose.TARGETED_ADS else False
    )


async def accounts(count: int, role: Role, prefix: str, policy: int) -> list[int]:
    rows = [
        Account(
            name=f"{prefix.title()} {n}",
            email=f"{prefix}{n}@bench.example",
            password_hash=password_hash(),
            phone=f"+1 512 555 {n % 10000:04d}",
            role=role,
            policy_version_id=policy,
        )
        for n in range(count)
    ]
    for start in range(0, count, BATCH):
        await Account.bulk_create(rows[start : start + BATCH])
    ids = (
        await Account.filter(email__startswith=prefix, role=role)
        .order_by("id")
        .values_list("id", flat=True)
    )
    prefs = [
        PrivacyPreferences(
            account_id=i,
            promotional_emails=False,
            partner_promotions=False,
            contact_sharing=True,
            targeted_ads=False,
        )
        for i in ids
    ]
    for start in range(0, len(prefs), BATCH):
        await PrivacyPreferences.bulk_create(prefs[start : start + BATCH])
    return list(ids)


async def inquiry_with_grant(
    customer_id: int, listing: Listing, owner_id: int, recipient_id: int, n: int
) -> ContactGrant:
    inquiry = await BookingInquiry.create(
        customer_id=customer_id,
        listing_id=listing.id,
        performer_id=listing.owner_id,
        event_date=f"2027-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
        event_type=("Wedding", "Birthday", "Corporate party")[n % 3],
        message="Free that day?",
    )
    return await ContactGrant.create(
        owner_id=owner_id, recipient_id=recipient_id, inquiry_id=inquiry.id
    )


async def seed(args: argparse.Namespace) -> dict:
    rng = random.Random(7)  # noqa: S311
    policy = await policy_id()
    performer_ids = await accounts(args.performers, Role.PERFORMER, "performer", policy)
    listings = []
    for n in range(args.listings):
        city, state = rng.choice(CITIES)
        listings.append(
            Listing(
                owner_id=performer_ids[n % len(performer_ids)],
                title=f"Act number {n}",
                category=rng.choice(CATEGORIES),
                city=city,
                state=state,
                description="A fine act. " * 5,
            )
        )
    for start in range(0, len(listings), BATCH):
        await Listing.bulk_create(listings[start : start + BATCH])
    customer_count = max(args.testimonials // 4, SHARED_CONTACTS + HIDDEN_CONTACTS + ME_SHARES + 1)
    customer_ids = await accounts(customer_count, Role.CUSTOMER, "customer", policy)
    testimonials = [
        Testimonial(
            author_id=customer_ids[n % len(customer_ids)],
            quote="They were wonderful.",
            event_type="Wedding",
            city="Austin",
            state="TX",
            status=TestimonialStatus.PUBLISHED,
            published_name=f"Customer {n}",
            consent_expires_at=datetime.now(UTC) + timedelta(days=1),
        )
        for n in range(args.testimonials)
    ]
    for start in range(0, len(testimonials), BATCH):
        await Testimonial.bulk_create(testimonials[start : start + BATCH])

    # A customer with a consent history of 40 entries, for the `me` + consent workload.
    await consent_history(customer_ids[0], policy, 40)
    customer_token = await session_token(customer_ids[0])

    # A partner band with whom 50 customers shared their details (and 10 whose shares
    # are no longer in force: revoked, or their owner withdrew CONTACT_SHARING).
    partner_id = performer_ids[0]
    partner_listing = await Listing.filter(owner_id=partner_id).order_by("id").first()
    hidden = set(range(0, SHARED_CONTACTS + HIDDEN_CONTACTS, 6))
    for n, customer_id in enumerate(customer_ids[1 : 1 + SHARED_CONTACTS + HIDDEN_CONTACTS]):
        grant = await inquiry_with_grant(customer_id, partner_listing, customer_id, partner_id, n)
        if n in hidden and n % 12 == 0:
            await ContactGrant.filter(id=grant.id).update(revoked_at=datetime.now(UTC))
        elif n in hidden:
            await PrivacyPreferences.filter(account_id=customer_id).update(contact_sharing=False)
    partner_key = await api_key_token(partner_id, [ApiScope.CONTACTS_READ])

    # A performer whose own page has something in every list: 25 listings (5 out of the
    # directory), 60 consent events (the page shows the newest 50), 30 shares of their
    # details (3 revoked), and 10 testimonials they wrote about acts they hired.
    me = await Account.create(
        name="Morgan Page",
        email="me@bench.example",
        password_hash=password_hash(),
        phone="+1 512 555 0100",
        role=Role.PERFORMER,
        policy_version_id=policy,
    )
    await PrivacyPreferences.create(
        account_id=me.id,
        promotional_emails=False,
        partner_promotions=False,
        contact_sharing=True,
        targeted_ads=False,
    )
    await consent_history(me.id, policy, ME_CONSENT_EVENTS)
    city, state = CITIES[0]
    await Listing.bulk_create(
        [
            Listing(
                owner_id=me.id,
                title=f"Morgan's act {n}",
                category=CATEGORIES[n % len(CATEGORIES)],
                city=city,
                state=state,
                description="Morgan plays every kind of party.",
                in_directory=n % 5 != 4,
            )
            for n in range(ME_LISTINGS)
        ]
    )
    my_listings = await Listing.filter(owner_id=me.id).order_by("id")
    first_customer = 1 + SHARED_CONTACTS + HIDDEN_CONTACTS
    others = (
        await Listing.filter(owner_id__not_in=[me.id, partner_id]).order_by("id").limit(ME_SHARES)
    )
    for n, customer_id in enumerate(customer_ids[first_customer : first_customer + ME_SHARES]):
        listing = my_listings[n % len(my_listings)]
        if n % 2:
            # The customer asked about Morgan's listing: Morgan's details went to them.
            grant = await inquiry_with_grant(customer_id, listing, me.id, customer_id, n)
        else:
            # Morgan asked about someone else's act: Morgan's details went to its owner.
            other = others[n % len(others)]
            inquiry = await BookingInquiry.create(
                customer_id=me.id,
                listing_id=other.id,
                performer_id=other.owner_id,
                event_date="2027-07-04",
                event_type="Summer party",
                message="Are you free?",
            )
            grant = await ContactGrant.create(
                owner_id=me.id, recipient_id=other.owner_id, inquiry_id=inquiry.id
            )
        if n % 10 == 9:
            await ContactGrant.filter(id=grant.id).update(revoked_at=datetime.now(UTC))
    statuses = list(TestimonialStatus)
    await Testimonial.bulk_create(
        [
            Testimonial(
                author_id=me.id,
                quote=f"Hired them for party {n}: wonderful.",
                event_type="Summer party",
                city=city,
                state=state,
                status=statuses[n % len(statuses)],
                published_name="Morgan P." if statuses[n % len(statuses)] == "PUBLISHED" else None,
                consent_expires_at=datetime.now(UTC) + timedelta(days=1),
            )
            for n in range(ME_TESTIMONIALS)
        ]
    )
    me_token = await session_token(me.id)

    # Performers signed in to edit their listings (the writes of the directory mix).
    writers = {
        str(performer_id): await session_token(performer_id)
        for performer_id in performer_ids[1 : 1 + WRITERS]
    }
    return {
        "customer_token": customer_token,
        "partner_key": partner_key,
        "me_token": me_token,
        "writer_tokens": writers,
    }


async def main(args: argparse.Namespace) -> None:
    settings = Settings(database_url=args.database_url)
    async with db.database(settings):
        if args.database_url.startswith("postgres"):
            await connections.get("default").execute_script(
                "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
            )
        await db.apply_migrations(args.database_url)
        async with in_transaction():
            secrets_ = await seed(args)
    print(json.dumps(secrets_))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--performers", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--testimonials", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
