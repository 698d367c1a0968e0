"""Staff act on requests received by email, phone or post; legal holds and disclosures."""

from __future__ import annotations

import strawberry

from models.ids import parse_id
from resolvers.accounts import choices_given
from schema.accounts import PrivacyPreferences
from schema.audit import AuditEvent
from schema.context import Info
from schema.data_rights import AccountCancelled
from schema.listings import Listing
from schema.privacy_requests import AccountSummary
from schema.staff_requests import (
    CorrectListingResult,
    CorrectProfileResult,
    LegalDisclosureInput,
    LegalDisclosureResult,
    LegalHold,
    LegalHoldInput,
    LegalHoldResult,
    StaffCancelResult,
    StaffListingCorrectionInput,
    StaffPreferencesInput,
    StaffPreferencesResult,
    StaffProfileCorrectionInput,
)
from services import staff_requests


async def cancel_account_on_request(info: Info, account_id: strawberry.ID) -> StaffCancelResult:
    """Staff only: cancels an account at its owner's request by email or phone."""
    viewer = info.context.viewer
    staff = viewer.require_staff()
    account = await staff_requests.person(parse_id(account_id))
    cancelled_at, purge_after = await staff_requests.cancel_on_request(
        staff, account, ip=viewer.ip, retention_days=info.context.settings.retention_days
    )
    return AccountCancelled(cancelled_at=cancelled_at, purge_after=purge_after)


async def update_privacy_preferences_on_request(
    info: Info, input: StaffPreferencesInput
) -> StaffPreferencesResult:
    """Staff only: records a person's choice given by email or phone (source
    STAFF_REQUEST)."""
    viewer = info.context.viewer
    staff = viewer.require_staff()
    account = await staff_requests.person(parse_id(input.account_id))
    preferences = await staff_requests.change_choices(
        staff, account, choices_given(input.choices), viewer.ip
    )
    return PrivacyPreferences.from_row(preferences)


async def place_legal_hold(info: Info, input: LegalHoldInput) -> LegalHoldResult:
    staff = info.context.viewer.require_staff()
    account = await staff_requests.person(parse_id(input.account_id))
    return LegalHold.from_row(
        await staff_requests.place_hold(staff, account, input.reason, input.ends_at)
    )


async def lift_legal_hold(info: Info, id: strawberry.ID) -> LegalHoldResult:
    staff = info.context.viewer.require_staff()
    return LegalHold.from_row(await staff_requests.lift_hold(staff, parse_id(id)))


async def record_legal_disclosure(info: Info, input: LegalDisclosureInput) -> LegalDisclosureResult:
    """Staff only: records a disclosure the law required (kept in the audit log)."""
    staff = info.context.viewer.require_staff()
    account = await staff_requests.person(parse_id(input.account_id))
    event = await staff_requests.record_disclosure(
        staff,
        account,
        authority=input.authority,
        legal_reference=input.legal_reference,
        data_disclosed=list(input.data_disclosed),
    )
    return AuditEvent.from_row(event)


async def legal_holds(info: Info, account_id: strawberry.ID) -> list[LegalHold]:
    """Staff only (schema/permissions.StaffOnly): the holds placed on an account, newest
    first (at most MAX_LIST_ITEMS)."""
    rows = await staff_requests.holds_of(
        parse_id(account_id), limit=info.context.settings.max_list_items
    )
    return [LegalHold.from_row(row) for row in rows]


def _linked(id: strawberry.ID | None) -> int | None:
    """The privacy request a correction names: None when it names none; 0, which finds
    nothing (NotFound), for an id we never issued."""
    return None if id is None else parse_id(id) or 0


async def find_account_by_email(info: Info, email: str) -> AccountSummary | None:
    """Staff only (schema/permissions.StaffOnly): the account with exactly this address
    (as normalised at registration), or null; every lookup is audited."""
    staff = info.context.viewer.require_staff()
    account = await staff_requests.find_account_by_email(
        staff, email, info.context.settings.secret_key
    )
    return AccountSummary.from_row(account) if account else None


async def correct_profile_on_request(
    info: Info, account_id: strawberry.ID, input: StaffProfileCorrectionInput
) -> CorrectProfileResult:
    """Staff only: corrects a person's name or phone at their request."""
    viewer = info.context.viewer
    staff = viewer.require_staff()
    account = await staff_requests.correct_profile(
        staff,
        await staff_requests.person(parse_id(account_id)),
        input.changes(),
        limits=info.context.rate_limits,
        ip=viewer.ip,
        request_id=_linked(input.privacy_request_id),
        phone_region=info.context.settings.default_phone_region,
    )
    return AccountSummary.from_row(account)


async def correct_listing_on_request(
    info: Info, listing_id: strawberry.ID, input: StaffListingCorrectionInput
) -> CorrectListingResult:
    """Staff only: corrects a listing at its owner's request."""
    staff = info.context.viewer.require_staff()
    listing = await staff_requests.correct_listing(
        staff,
        listing_id,
        input.changes(),
        request_id=_linked(input.privacy_request_id),
        phone_region=info.context.settings.default_phone_region,
    )
    return Listing.from_row(listing)
