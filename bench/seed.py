"""Benchmark data: performers with listings, published testimonials, a customer with a
consent history, and a partner with an API key and 50 shared contacts.

    .venv/bin/python bench/seed.py DATABASE_URL [--performers 1000 --listings 5000 ...]

Prints the secrets the workloads use as JSON on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import connections  # noqa: E402

import db  # noqa: E402
from models import api_keys, auth  # noqa: E402
from models.accounts import Account, PrivacyPreferences, Role  # noqa: E402
from models.api_keys import ApiScope  # noqa: E402
from models.listings import CATEGORIES, Listing  # noqa: E402
from models.policies import policy_in_force  # noqa: E402
from models.purposes import ConsentSource, Purpose  # noqa: E402
from models.sharing import BookingInquiry, ContactGrant  # noqa: E402
from models.testimonials import Testimonial, TestimonialStatus  # noqa: E402
from privacy import consent  # noqa: E402
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


async def accounts(count: int, role: Role, prefix: str, policy_id: int, password_hash: str):
    rows = [
        Account(
            name=f"{prefix.title()} {n}",
            email=f"{prefix}{n}@bench.example",
            password_hash=password_hash,
            role=role,
            policy_version_id=policy_id,
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
    return ids


async def seed(args: argparse.Namespace) -> dict:
    rng = random.Random(7)  # noqa: S311
    policy = await policy_in_force(datetime.now(UTC))
    password_hash = auth.hash_password("bench password")
    performer_ids = await accounts(
        args.performers, Role.PERFORMER, "performer", policy.id, password_hash
    )
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
    customer_ids = await accounts(
        max(args.testimonials // 4, 60), Role.CUSTOMER, "customer", policy.id, password_hash
    )
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

    # A customer with a consent history of 40 entries, for the `me` workload.
    customer = await Account.get(id=customer_ids[0])
    for n in range(9):
        await consent.record_choices(
            customer, {Purpose.TARGETED_ADS: n % 2 == 0}, ConsentSource.SETTINGS, None
        )
    customer_token = await auth.start_session(customer, 30)

    # A partner band with whom 50 customers shared their details.
    partner = await Account.get(id=performer_ids[0])
    partner_listing = await Listing.filter(owner_id=partner.id).first()
    for customer_id in customer_ids[1:51]:
        inquiry = await BookingInquiry.create(
            customer_id=customer_id,
            listing_id=partner_listing.id,
            performer_id=partner.id,
            event_date="2027-06-01",
            event_type="Wedding",
            message="Free that day?",
        )
        await ContactGrant.create(
            owner_id=customer_id, recipient_id=partner.id, inquiry_id=inquiry.id
        )
    _key, key_token = await api_keys.create_key(partner, "bench", [ApiScope.CONTACTS_READ])
    return {"customer_token": customer_token, "partner_key": key_token}


async def main(args: argparse.Namespace) -> None:
    settings = Settings(database_url=args.database_url)
    async with db.database(settings):
        if args.database_url.startswith("postgres"):
            await connections.get("default").execute_script(
                "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
            )
        await db.apply_migrations(args.database_url)
        secrets = await seed(args)
    print(json.dumps(secrets))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--performers", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--testimonials", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
