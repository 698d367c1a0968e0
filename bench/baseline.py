"""The baseline: a minimal hand-written Starlette + Tortoise app that returns, for the
same requests, byte for byte the same JSON as Backline's GraphQL queries
(tests/test_bench_baseline.py proves it). What GraphQL costs is the difference.

    DATABASE_URL=... uvicorn bench.baseline:app

Honest on purpose: the same SQL semantics as the app (the directory's visibility rule,
the sharing grants' in-force rule, the active-owner checks, the list caps), bearer
tokens looked up by their SHA-256 as the app does, audit rows written for every contact
read, the same JSON encoder (orjson), and no caching of any kind. It shares only the
tables (models/) and the token hash with the app, never its use cases.

    GET  /directory?first=&category=&city=&state=&after=   anonymous directory page
    GET  /testimonials                                     anonymous testimonials page
    GET  /me                                               the signed-in `me` page (session)
    GET  /shared-contacts?first=&after=                    contacts shared with the caller
    POST /listings/{id}                                    a performer edits their listing
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from tortoise.expressions import Q  # noqa: E402

import db  # noqa: E402
from models.accounts import (  # noqa: E402
    Account,
    AccountStatus,
    ConsentEvent,
    PrivacyPreferences,
    Session,
)
from models.api_keys import ApiKey  # noqa: E402
from models.audit import AccessMethod, AuditAction, AuditEvent  # noqa: E402
from models.listings import CATEGORIES, Listing  # noqa: E402
from models.policies import PolicyVersion  # noqa: E402
from models.sharing import BookingInquiry, ContactGrant  # noqa: E402
from models.testimonials import Testimonial, TestimonialStatus  # noqa: E402
from models.tokens import API_KEY_PREFIX, SESSION_PREFIX, hash_token  # noqa: E402
from settings import Settings  # noqa: E402

# The app's limits: their defaults here (in-process tests), the environment's once served.
MAX_PAGE_SIZE: int = Settings.model_fields["max_page_size"].default
MAX_LIST_ITEMS: int = Settings.model_fields["max_list_items"].default
MAX_PLACE_LENGTH = 100
CONTACTS_READ = "CONTACTS_READ"


class JSON(Response):
    media_type = "application/json"

    def render(self, content: object) -> bytes:
        return orjson.dumps(content)


def cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def key_of(kind: str, value: str) -> int | None:
    """The key inside a cursor of `kind`; None for anything else."""
    try:
        padded = value + "=" * (-len(value) % 4)
        found, _, key = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (ValueError, binascii.Error, UnicodeError):
        return None
    if found != kind or not key.isdigit() or not 0 < int(key) < 2**31:
        return None
    return int(key)


def page_size(request: Request, default: int) -> int | None:
    value = request.query_params.get("first", str(default))
    size = int(value) if value.isdigit() else -1
    return size if 0 <= size <= MAX_PAGE_SIZE else None


def bad_request(message: str) -> JSON:
    return JSON({"errors": [{"message": message}]}, status_code=400)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def page_info(rows: list, first: int, kind: str) -> dict:
    page = rows[:first]
    return {
        "hasNextPage": len(rows) > first,
        "endCursor": cursor(kind, page[-1].id) if page else None,
    }


# --- who is asking ------------------------------------------------------------------


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token and len(token) <= 512 else None


async def session_account(request: Request) -> Account | None:
    token = bearer(request)
    if not token or not token.startswith(SESSION_PREFIX):
        return None
    session = await Session.get_or_none(
        token_hash=hash_token(token),
        revoked_at=None,
        expires_at__gt=datetime.now(UTC),
        account__status=AccountStatus.ACTIVE,
    ).select_related("account")
    return session.account if session else None


async def reader(request: Request) -> tuple[Account | None, int | None, bool]:
    """The account a contacts read is for, the API key used (if any), and whether it
    may read contacts at all (a key needs CONTACTS_READ)."""
    token = bearer(request)
    if token and token.startswith(API_KEY_PREFIX):
        key = await ApiKey.get_or_none(
            token_hash=hash_token(token), revoked_at=None, owner__status=AccountStatus.ACTIVE
        ).select_related("owner")
        if key is None:
            return None, None, True
        return key.owner, key.id, CONTACTS_READ in key.scopes.split()
    return await session_account(request), None, True


# --- the public directory -----------------------------------------------------------


def listing_node(row: Listing) -> dict:
    return {
        "id": str(row.id),
        "title": row.title,
        "category": row.category,
        "city": row.city,
        "state": row.state,
        "performer": {"id": str(row.owner.id), "name": row.owner.name},
    }


async def directory(request: Request) -> JSON:
    first = page_size(request, 20)
    if first is None:
        return bad_request("first")
    params = request.query_params
    after = params.get("after")
    key = key_of("listing", after) if after is not None else None
    if after is not None and key is None:
        return bad_request("after")
    category, city, state = params.get("category"), params.get("city"), params.get("state")
    rows: list[Listing] = []
    matchable = (not category or category in CATEGORIES) and all(
        len(value) <= MAX_PLACE_LENGTH for value in (city or "", state or "")
    )
    if matchable:
        query = Listing.filter(in_directory=True, owner__status=AccountStatus.ACTIVE)
        if category:
            query = query.filter(category=category)
        if city:
            query = query.filter(city__iexact=city.strip())
        if state:
            query = query.filter(state__iexact=state.strip())
        if key is not None:
            query = query.filter(id__lt=key)
        rows = await query.order_by("-id").limit(first + 1).select_related("owner")
    edges = [
        {"cursor": cursor("listing", row.id), "node": listing_node(row)} for row in rows[:first]
    ]
    return JSON(
        {"data": {"listings": {"edges": edges, "pageInfo": page_info(rows, first, "listing")}}}
    )


async def update_listing(request: Request) -> JSON:
    """A performer edits their own listing (the write of the directory mix)."""
    account = await session_account(request)
    if account is None:
        return JSON({"errors": [{"message": "Sign in first."}]}, status_code=401)
    listing_id = request.path_params["id"]
    body = orjson.loads(await request.body())
    fields = {name: str(body.get(name, "")).strip() for name in ("title", "city", "state")}
    fields["category"] = body.get("category")
    fields["description"] = str(body.get("description", "")).strip()
    if fields["category"] not in CATEGORIES or not all(
        fields[name] and len(fields[name]) <= limit
        for name, limit in (("title", 120), ("city", MAX_PLACE_LENGTH), ("state", 100))
    ):
        return bad_request("invalid listing")
    listing = await Listing.get_or_none(id=int(listing_id)) if listing_id.isdigit() else None
    if listing is None or listing.owner_id != account.id:
        return JSON({"errors": [{"message": "Not your listing."}]}, status_code=403)
    listing.update_from_dict(fields)
    await listing.save(update_fields=[*fields, "updated_at"])
    result = {"__typename": "Listing", "id": str(listing.id), "title": listing.title}
    return JSON({"data": {"updateListing": result}})


async def testimonials(request: Request) -> JSON:
    rows = (
        await Testimonial.filter(status=TestimonialStatus.PUBLISHED, author__status="ACTIVE")
        .order_by("-id")
        .limit(21)
    )
    edges = [
        {
            "cursor": cursor("testimonial", row.id),
            "node": {
                "id": str(row.id),
                "quote": row.quote,
                "authorName": row.published_name or "",
                "eventType": row.event_type,
                "city": row.city,
                "state": row.state,
            },
        }
        for row in rows[:20]
    ]
    return JSON(
        {"data": {"testimonials": {"edges": edges, "pageInfo": page_info(rows, 20, "testimonial")}}}
    )


# --- the signed-in `me` page ---------------------------------------------------------


def share_reason(grant: ContactGrant) -> str:
    inquiry, title = grant.inquiry, grant.inquiry.listing.title
    if grant.owner_id == inquiry.customer_id:
        return f"You sent a booking inquiry about “{title}” for {inquiry.event_date}."
    return (
        f"{grant.recipient.name} sent a booking inquiry about your listing “{title}” "
        f"for {inquiry.event_date}."
    )


async def me(request: Request) -> JSON:
    """run.ME_PAGE: profile, preferences, consent history, shares, listings,
    testimonials; each list the newest MAX_LIST_ITEMS."""
    account = await session_account(request)
    if account is None:
        return JSON({"data": {"me": None}})
    cap = MAX_LIST_ITEMS
    policy = await PolicyVersion.get(id=account.policy_version_id)
    preferences = await PrivacyPreferences.get(account_id=account.id)
    events = (
        await ConsentEvent.filter(account_id=account.id)
        .order_by("-id")
        .limit(cap)
        .select_related("policy_version")
    )
    grants = (
        await ContactGrant.filter(owner_id=account.id)
        .order_by("-id")
        .limit(cap)
        .select_related("recipient", "inquiry__listing")
    )
    listings = await Listing.filter(owner_id=account.id).order_by("-id").limit(cap)
    written = await Testimonial.filter(author_id=account.id).order_by("-id").limit(cap)
    page = {
        "id": str(account.id),
        "name": account.name,
        "email": account.email,
        "phone": account.phone,
        "pendingEmail": account.pending_email,
        "role": account.role.value,
        "status": account.status.value,
        "registeredUnderPolicy": policy.version,
        "privacyPreferences": {
            "promotionalEmails": preferences.promotional_emails,
            "partnerPromotions": preferences.partner_promotions,
            "contactSharing": preferences.contact_sharing,
            "targetedAds": preferences.targeted_ads,
        },
        "consentHistory": [
            {
                "purpose": event.purpose,
                "granted": event.granted,
                "source": event.source.value,
                "policyVersion": event.policy_version.version,
                "recordedAt": event.recorded_at.isoformat(),
            }
            for event in events
        ],
        "contactShares": [
            {
                "id": str(grant.id),
                "recipientName": grant.recipient.name,
                "reason": share_reason(grant),
                "sharedAt": grant.created_at.isoformat(),
                "revokedAt": iso(grant.revoked_at),
            }
            for grant in grants
        ],
        "listings": [
            {
                "id": str(row.id),
                "title": row.title,
                "category": row.category,
                "city": row.city,
                "state": row.state,
                "description": row.description,
                "inDirectory": row.in_directory,
            }
            for row in listings
        ],
        "testimonials": [
            {
                "id": str(row.id),
                "quote": row.quote,
                "authorName": row.published_name or account.name,
                "eventType": row.event_type,
                "city": row.city,
                "state": row.state,
                "status": row.status.value,
            }
            for row in written
        ],
    }
    return JSON({"data": {"me": page}})


# --- contacts shared with a partner ---------------------------------------------------


async def shared_contacts(request: Request) -> JSON:
    """run.SHARED: the grants in force for the caller, newest first, each read written
    to the audit log (a policy requirement)."""
    first = page_size(request, 50)
    if first is None:
        return bad_request("first")
    after = request.query_params.get("after")
    key = key_of("contact", after) if after is not None else None
    if after is not None and key is None:
        return bad_request("after")
    account, api_key_id, allowed = await reader(request)
    if not allowed:
        return JSON({"errors": [{"message": "This API key lacks CONTACTS_READ."}]}, 403)
    rows: list[ContactGrant] = []
    inquiries: dict[int, BookingInquiry] = {}
    if account is not None:
        # In force: not revoked, its owner active and still consenting to CONTACT_SHARING.
        query = ContactGrant.filter(
            Q(
                revoked_at=None,
                owner__status=AccountStatus.ACTIVE,
                owner__preferences__contact_sharing=True,
            ),
            recipient_id=account.id,
        )
        if key is not None:
            query = query.filter(id__lt=key)
        rows = await query.order_by("-id").limit(first + 1).select_related("owner")
        page = rows[:first]
        if page:
            ids = {grant.inquiry_id for grant in page}
            inquiries = {row.id: row for row in await BookingInquiry.filter(id__in=ids)}
            via = AccessMethod.API_KEY if api_key_id else AccessMethod.SESSION
            await AuditEvent.bulk_create(
                [
                    AuditEvent(
                        action=AuditAction.CONTACT_READ,
                        actor_id=account.id,
                        subject_id=grant.owner_id,
                        via=via,
                        api_key_id=api_key_id,
                        grant_id=grant.id,
                        detail={"inquiry_id": grant.inquiry_id},
                    )
                    for grant in page
                ]
            )
    edges = []
    for grant in rows[:first]:
        inquiry = inquiries.get(grant.inquiry_id)
        edges.append(
            {
                "cursor": cursor("contact", grant.id),
                "node": {
                    "id": str(grant.id),
                    "name": grant.owner.name,
                    "email": grant.owner.email,
                    "phone": grant.owner.phone,
                    "sharedAt": grant.created_at.isoformat(),
                    "inquiry": {"eventDate": inquiry.event_date, "eventType": inquiry.event_type}
                    if inquiry
                    else None,
                },
            }
        )
    return JSON(
        {
            "data": {
                "sharedContacts": {"edges": edges, "pageInfo": page_info(rows, first, "contact")}
            }
        }
    )


@contextlib.asynccontextmanager
async def lifespan(app):
    global MAX_PAGE_SIZE, MAX_LIST_ITEMS
    settings = Settings()
    MAX_PAGE_SIZE, MAX_LIST_ITEMS = settings.max_page_size, settings.max_list_items
    async with db.database(settings):
        yield


app = Starlette(
    routes=[
        Route("/directory", directory),
        Route("/testimonials", testimonials),
        Route("/me", me),
        Route("/shared-contacts", shared_contacts),
        Route("/listings/{id}", update_listing, methods=["POST"]),
    ],
    lifespan=lifespan,
)
