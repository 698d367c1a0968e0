"""Staff acting on what people ask by email or phone ("Choice/Opt-Out", "Removal From
Directory", testimonials, cancellation, correcting a profile or a listing), on legal
holds, and on disclosures the law requires. Each is recorded: a consent change with
source STAFF_REQUEST, anything else as an audit event naming the staff member. Staff
find the person by their exact address (audited too) rather than guess an id. The
staff check itself is at the edge (resolvers: `viewer.require_staff()`,
schema/permissions.StaffOnly)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import SecretStr
from tortoise.transactions import in_transaction

from errors import InvalidInput, NotFoundError
from models import directory as listing_queries
from models import validation
from models.accounts import Account, PrivacyPreferences
from models.audit import AuditAction, AuditEvent
from models.listings import Listing
from models.purposes import ConsentSource, Purpose
from models.retention import LegalHold
from privacy import consent, holds, privacy_requests
from privacy.contact_details import DEFAULT_REGION
from privacy.viewer import ensure_staff
from rate_limits import RateLimits
from services import data_rights, profiles
from services import privacy_requests as requests_service
from services.listings import ListingFields


async def person(account_id: int | None) -> Account:
    """The person a request is about."""
    account = await Account.get_or_none(id=account_id) if account_id else None
    if account is None:
        raise NotFoundError("No such account.")
    return account


async def change_choices(
    staff: Account, account: Account, choices: Mapping[Purpose, bool], ip: str | None
) -> PrivacyPreferences:
    """A person's choice given by phone or email, recorded as theirs (STAFF_REQUEST)
    and naming the staff member who entered it; `ip`, the staff member's address, goes
    with their audit event, never into the person's ledger."""
    ensure_staff(staff)
    async with in_transaction():
        preferences = await consent.record_choices(
            account, choices, ConsentSource.STAFF_REQUEST, None, entered_by=staff
        )
        await AuditEvent.create(
            action=AuditAction.CONSENT_CHANGED_BY_STAFF,
            actor_id=staff.id,
            subject_id=account.id,
            detail={purpose.value: granted for purpose, granted in choices.items()},
            actor_ip=ip,
        )
    return preferences


async def cancel_on_request(
    staff: Account, account: Account, *, ip: str | None, retention_days: int
) -> tuple[datetime, datetime]:
    """The person asked by email or phone that their information no longer be used:
    the same cancellation as their own, recorded as staff's (STAFF_REQUEST, audit)."""
    ensure_staff(staff)
    return await data_rights.cancel(account, ip=ip, retention_days=retention_days, staff=staff)


async def holds_of(account_id: int | None, *, limit: int) -> list[LegalHold]:
    """The holds placed on an account, newest first, at most `limit`."""
    if account_id is None:
        return []
    return await LegalHold.filter(account_id=account_id).order_by("-id").limit(limit)


async def place_hold(
    staff: Account, account: Account, reason: str, ends_at: datetime | None
) -> LegalHold:
    ensure_staff(staff)
    reason = validation.text(reason, "reason", max_length=2000, multiline=True)
    if ends_at is not None and ends_at <= datetime.now(UTC):
        raise InvalidInput("endsAt", "A hold must end in the future, or have no end date.")
    async with in_transaction():
        hold = await LegalHold.create(
            account_id=account.id, reason=reason, placed_by_id=staff.id, ends_at=ends_at
        )
        await AuditEvent.create(
            action=AuditAction.LEGAL_HOLD_PLACED,
            actor_id=staff.id,
            subject_id=account.id,
            detail={"hold_id": hold.id},
        )
    return hold


async def lift_hold(staff: Account, hold_id: int | None) -> LegalHold:
    ensure_staff(staff)
    hold = await LegalHold.get_or_none(holds.active(), id=hold_id) if hold_id else None
    if hold is None:
        raise NotFoundError("No such active legal hold.")
    async with in_transaction():
        hold.lifted_at = datetime.now(UTC)
        await hold.save(update_fields=["lifted_at"])
        await AuditEvent.create(
            action=AuditAction.LEGAL_HOLD_LIFTED,
            actor_id=staff.id,
            subject_id=hold.account_id,
            detail={"hold_id": hold.id},
        )
    return hold


async def record_disclosure(
    staff: Account,
    account: Account,
    *,
    authority: str,
    legal_reference: str,
    data_disclosed: list[str],
) -> AuditEvent:
    """ "Disclosure when required by law": who asked, under what reference, which data.
    Hidden from the person's own export while a legal hold stands. Returned with the
    staff member who recorded it."""
    ensure_staff(staff)
    detail = {
        "authority": validation.text(authority, "authority", max_length=200),
        "legal_reference": validation.text(legal_reference, "legalReference", max_length=200),
        "data_disclosed": [
            validation.text(item, "dataDisclosed", max_length=200) for item in data_disclosed
        ],
    }
    if not detail["data_disclosed"]:
        raise InvalidInput("dataDisclosed", "Name at least one kind of data disclosed.")
    event = await AuditEvent.create(
        action=AuditAction.LEGAL_DISCLOSURE, actor_id=staff.id, subject_id=account.id, detail=detail
    )
    await event.fetch_related("actor")
    return event


async def find_account_by_email(
    staff: Account, email: str, secret_key: SecretStr
) -> Account | None:
    """The account whose address is exactly `email` (normalised as at registration),
    or None. Every lookup is audited, a miss too: a hit names the account; a miss keeps
    only a keyed fingerprint of the address (privacy/privacy_requests.lookup_fingerprint),
    never the address of someone who may not be a member."""
    ensure_staff(staff)
    try:
        address = validation.email(email)
    except InvalidInput:
        address = None
    account = await Account.get_or_none(email=address) if address else None
    detail: dict[str, object] = {"found": account is not None}
    if account is None:
        typed = address or email.strip().lower()[: validation.MAX_EMAIL_LENGTH]
        detail["address_fingerprint"] = privacy_requests.lookup_fingerprint(secret_key, typed)
    await AuditEvent.create(
        action=AuditAction.ACCOUNT_LOOKED_UP_BY_STAFF,
        actor_id=staff.id,
        subject_id=account.id if account else None,
        detail=detail,
    )
    return account


def _correction_detail(fields: list[str], request_id: int | None) -> dict[str, object]:
    # Which fields, not their values: the old and new values are the person's data.
    return {
        "source": "STAFF_REQUEST",
        "fields": sorted(fields),
        "privacy_request_id": request_id,
    }


async def correct_profile(
    staff: Account,
    account: Account,
    changes: Mapping[str, str | None],
    *,
    limits: RateLimits,
    ip: str | None,
    request_id: int | None,
    phone_region: str = DEFAULT_REGION,
) -> Account:
    """The person asked by mail or phone to correct their name or phone: the same
    checks as their own `updateProfile` (services/profiles.update_profile, which this
    calls), recorded as staff's (audit, source STAFF_REQUEST), optionally answering one
    of the person's open privacy requests (resolved separately). Never the address:
    a new address is confirmed by its owner through the link mailed to it."""
    ensure_staff(staff)
    if not changes:
        raise InvalidInput(None, "Name at least one field to correct.")
    async with in_transaction():
        if request_id is not None:
            await requests_service.linked_request(account.id, request_id)
        await profiles.update_profile(limits, account, ip=ip, phone_region=phone_region, **changes)
        await AuditEvent.create(
            action=AuditAction.PROFILE_CORRECTED_BY_STAFF,
            actor_id=staff.id,
            subject_id=account.id,
            detail=_correction_detail(list(changes), request_id),
        )
    return account


async def correct_listing(
    staff: Account,
    listing_id: str,
    changes: Mapping[str, str],
    *,
    request_id: int | None,
    phone_region: str = DEFAULT_REGION,
) -> Listing:
    """The owner asked by mail or phone to correct a listing: the fields given replace
    the listing's, under the same checks as the owner's `updateListing`
    (services/listings.ListingFields); saving the row moves its revision, so cached
    public pages showing it are renewed (models/public_version.py)."""
    ensure_staff(staff)
    if not changes:
        raise InvalidInput(None, "Name at least one field to correct.")
    listing = await listing_queries.listing_with_owner(listing_id)
    if listing is None:
        raise NotFoundError("No such listing.")
    current = {name: getattr(listing, name) for name in ListingFields.__dataclass_fields__}
    validated = ListingFields(**(current | dict(changes))).validated(phone_region)
    async with in_transaction():
        if request_id is not None:
            await requests_service.linked_request(listing.owner_id, request_id)
        listing.update_from_dict(validated)
        await listing.save(update_fields=[*validated, "updated_at"])
        await AuditEvent.create(
            action=AuditAction.LISTING_CORRECTED_BY_STAFF,
            actor_id=staff.id,
            subject_id=listing.owner_id,
            detail=_correction_detail(list(changes), request_id) | {"listing_id": listing.id},
        )
    return listing
