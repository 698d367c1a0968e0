"""The assembled schema: every query and mutation, mapped to its resolver."""

from __future__ import annotations

import logging

import strawberry
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig

from resolvers import accounts as account_resolvers
from resolvers import ads as ads_resolvers
from resolvers import api_keys as api_key_resolvers
from resolvers import audit as audit_resolvers
from resolvers import boards as board_resolvers
from resolvers import contact as contact_resolvers
from resolvers import data_rights as data_rights_resolvers
from resolvers import inquiries as inquiry_resolvers
from resolvers import listings as listing_resolvers
from resolvers import outbox as outbox_resolvers
from resolvers import policies as policy_resolvers
from resolvers import privacy_requests as privacy_request_resolvers
from resolvers import profiles as profile_resolvers
from resolvers import promotions as promotion_resolvers
from resolvers import referrals as referral_resolvers
from resolvers import sharing as sharing_resolvers
from resolvers import staff_requests as staff_request_resolvers
from resolvers import testimonials as testimonial_resolvers
from resolvers import unsubscribe as unsubscribe_resolvers
from resolvers import webhooks as webhook_resolvers
from schema.accounts import Account
from schema.ads import AdsPolicy
from schema.audit import AuditEventConnection
from schema.contact import PrivacyContact
from schema.error_codes import ErrorCodes
from schema.errors import EXCEPTION_HANDLERS, Error
from schema.inquiries import BookingInquiryConnection
from schema.limits import is_unexpected, limit_extensions
from schema.listings import Listing, ListingConnection
from schema.operation_name import RequestFacts
from schema.outbox import OutboundEmailConnection
from schema.permissions import StaffOnly
from schema.policies import PolicyNotice, PrivacyPolicy
from schema.privacy_requests import AccountSummary, StaffPrivacyRequestConnection
from schema.sharing import SharedContactConnection, ShareWithdrawalConnection
from schema.staff_requests import LegalHold
from schema.testimonials import TestimonialConnection
from settings import Settings

log = logging.getLogger("backline.graphql")


@strawberry.type
class Query:
    me: Account | None = strawberry.field(
        resolver=account_resolvers.me,
        description="The signed-in account; null for anonymous callers.",
    )
    listings: ListingConnection = strawberry.field(resolver=listing_resolvers.listings)
    listing: Listing | None = strawberry.field(resolver=listing_resolvers.listing)
    categories: list[str] = strawberry.field(resolver=listing_resolvers.categories)
    testimonials: TestimonialConnection = strawberry.field(
        resolver=testimonial_resolvers.testimonials_page
    )
    privacy_policy: PrivacyPolicy = strawberry.field(resolver=policy_resolvers.privacy_policy)
    policy_notices: list[PolicyNotice] = strawberry.field(resolver=policy_resolvers.policy_notices)
    privacy_contact: PrivacyContact = strawberry.field(
        resolver=contact_resolvers.privacy_contact,
        description="How to reach the company about your data; public.",
    )
    my_data_export: JSON = strawberry.field(resolver=data_rights_resolvers.my_data_export)
    legal_holds: list[LegalHold] = strawberry.field(
        resolver=staff_request_resolvers.legal_holds, extensions=[StaffOnly(empty=list)]
    )
    open_privacy_requests: StaffPrivacyRequestConnection = strawberry.field(
        resolver=privacy_request_resolvers.open_privacy_requests,
        extensions=[StaffOnly(empty=StaffPrivacyRequestConnection.empty)],
    )
    find_account_by_email: AccountSummary | None = strawberry.field(
        resolver=staff_request_resolvers.find_account_by_email,
        extensions=[StaffOnly(empty=lambda: None)],
    )
    shared_contacts: SharedContactConnection = strawberry.field(
        resolver=sharing_resolvers.shared_contacts
    )
    shared_contact_withdrawals: ShareWithdrawalConnection = strawberry.field(
        resolver=sharing_resolvers.shared_contact_withdrawals,
        description="Shares with me that ended, in the order they ended: each one's id and "
        "when, nothing else. A partner must delete what it copied of each.",
    )
    ads_policy: AdsPolicy = strawberry.field(
        resolver=ads_resolvers.ads_policy,
        description="Whether this request may be shown targeted ads or only generic ones, "
        "for anyone, signed in or not: decided from the consent ledger and the request's "
        "Global Privacy Control signal (`Sec-GPC: 1`). Nothing about anyone goes to the ad "
        "network through Backline.",
    )
    received_inquiries: BookingInquiryConnection = strawberry.field(
        resolver=inquiry_resolvers.received_inquiries
    )
    sent_inquiries: BookingInquiryConnection = strawberry.field(
        resolver=inquiry_resolvers.sent_inquiries
    )
    audit_events: AuditEventConnection = strawberry.field(
        resolver=audit_resolvers.audit_events,
        extensions=[StaffOnly(empty=AuditEventConnection.empty)],
    )
    outbound_emails: OutboundEmailConnection = strawberry.field(
        resolver=outbox_resolvers.outbound_emails,
        extensions=[StaffOnly(empty=OutboundEmailConnection.empty)],
    )


@strawberry.type
class Mutation:
    register = strawberry.mutation(resolver=account_resolvers.register)
    login = strawberry.mutation(resolver=account_resolvers.login)
    logout: bool = strawberry.mutation(
        resolver=account_resolvers.logout,
        description="Ends the current session; false when there was none.",
    )
    update_profile = strawberry.mutation(resolver=account_resolvers.update_profile)
    change_password = strawberry.mutation(resolver=account_resolvers.change_password)
    sign_out_everywhere = strawberry.mutation(resolver=account_resolvers.sign_out_everywhere)
    revoke_session = strawberry.mutation(resolver=account_resolvers.revoke_session)
    request_password_reset = strawberry.mutation(resolver=account_resolvers.request_password_reset)
    reset_password = strawberry.mutation(resolver=account_resolvers.reset_password)
    confirm_address = strawberry.mutation(resolver=account_resolvers.confirm_address)
    resend_address_confirmation = strawberry.mutation(
        resolver=account_resolvers.resend_address_confirmation
    )
    update_privacy_preferences = strawberry.mutation(
        resolver=account_resolvers.update_privacy_preferences
    )
    create_listing = strawberry.mutation(resolver=listing_resolvers.create_listing)
    update_listing = strawberry.mutation(resolver=listing_resolvers.update_listing)
    remove_listing_from_directory = strawberry.mutation(
        resolver=listing_resolvers.remove_listing_from_directory
    )
    restore_listing_to_directory = strawberry.mutation(
        resolver=listing_resolvers.restore_listing_to_directory
    )
    send_booking_inquiry = strawberry.mutation(resolver=inquiry_resolvers.send_booking_inquiry)
    revoke_contact_share = strawberry.mutation(resolver=sharing_resolvers.revoke_contact_share)
    create_api_key = strawberry.mutation(resolver=api_key_resolvers.create_api_key)
    rotate_api_key = strawberry.mutation(resolver=api_key_resolvers.rotate_api_key)
    revoke_api_key = strawberry.mutation(resolver=api_key_resolvers.revoke_api_key)
    create_webhook_endpoint = strawberry.mutation(
        resolver=webhook_resolvers.create_webhook_endpoint
    )
    disable_webhook_endpoint = strawberry.mutation(
        resolver=webhook_resolvers.disable_webhook_endpoint
    )
    enable_webhook_endpoint = strawberry.mutation(
        resolver=webhook_resolvers.enable_webhook_endpoint
    )
    delete_webhook_endpoint = strawberry.mutation(
        resolver=webhook_resolvers.delete_webhook_endpoint
    )
    send_promotion = strawberry.mutation(resolver=promotion_resolvers.send_promotion)
    unsubscribe = strawberry.mutation(resolver=unsubscribe_resolvers.unsubscribe)
    send_referral = strawberry.mutation(resolver=referral_resolvers.send_referral)
    submit_testimonial = strawberry.mutation(resolver=testimonial_resolvers.submit_testimonial)
    respond_to_testimonial_consent = strawberry.mutation(
        resolver=testimonial_resolvers.respond_to_testimonial_consent
    )
    remove_testimonial = strawberry.mutation(resolver=testimonial_resolvers.remove_testimonial)
    ask_listing_question = strawberry.mutation(
        resolver=board_resolvers.ask_listing_question,
        description="Asks on a listing's board. The question is public, for everyone to "
        "read; email addresses, phone numbers and links are removed before it is stored.",
    )
    answer_listing_question = strawberry.mutation(
        resolver=board_resolvers.answer_listing_question,
        description="The listing's performer answers a question on its board, once. The "
        "answer is public, for everyone to read; contact details are removed before storing.",
    )
    delete_board_post = strawberry.mutation(
        resolver=board_resolvers.delete_board_post,
        description="Deletes one of my board posts (a question with its answer).",
    )
    remove_board_post_on_request = strawberry.mutation(
        resolver=board_resolvers.remove_board_post_on_request,
        description="Staff only: removes any board post on request; audited.",
    )
    publish_policy_version = strawberry.mutation(resolver=policy_resolvers.publish_policy_version)
    consent_to_purpose = strawberry.mutation(
        resolver=policy_resolvers.consent_to_purpose,
        description="My answer about a purpose a later policy version introduced "
        "(`me.introducedPurposes`); the four of `Purpose` are chosen with "
        "updatePrivacyPreferences.",
    )
    cancel_account = strawberry.mutation(resolver=data_rights_resolvers.cancel_account)
    confirm_email_change = strawberry.mutation(resolver=profile_resolvers.confirm_email_change)
    cancel_account_on_request = strawberry.mutation(
        resolver=staff_request_resolvers.cancel_account_on_request
    )
    update_privacy_preferences_on_request = strawberry.mutation(
        resolver=staff_request_resolvers.update_privacy_preferences_on_request
    )
    place_legal_hold = strawberry.mutation(resolver=staff_request_resolvers.place_legal_hold)
    lift_legal_hold = strawberry.mutation(resolver=staff_request_resolvers.lift_legal_hold)
    record_legal_disclosure = strawberry.mutation(
        resolver=staff_request_resolvers.record_legal_disclosure
    )
    correct_profile_on_request = strawberry.mutation(
        resolver=staff_request_resolvers.correct_profile_on_request
    )
    correct_listing_on_request = strawberry.mutation(
        resolver=staff_request_resolvers.correct_listing_on_request
    )
    file_privacy_request = strawberry.mutation(
        resolver=privacy_request_resolvers.file_privacy_request
    )
    file_privacy_request_on_behalf = strawberry.mutation(
        resolver=privacy_request_resolvers.file_privacy_request_on_behalf
    )
    acknowledge_privacy_request = strawberry.mutation(
        resolver=privacy_request_resolvers.acknowledge_privacy_request
    )
    resolve_privacy_request = strawberry.mutation(
        resolver=privacy_request_resolvers.resolve_privacy_request
    )
    reject_privacy_request = strawberry.mutation(
        resolver=privacy_request_resolvers.reject_privacy_request
    )


class BacklineSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Expected failures (bad input, a refused query) are the client's business;
        # only what our code did not mean to raise is logged, with its traceback.
        for error in errors:
            if execution_context is not None and execution_context.graphql_document is None:
                # Parsing failed (the parser cache raises before our parse hook runs).
                error.extensions = {"code": "GRAPHQL_PARSE_FAILED", **(error.extensions or {})}
            if is_unexpected(error):
                log.error("unexpected error: %s", error.message, exc_info=error.original_error)


def build_schema(settings: Settings) -> strawberry.Schema:
    return BacklineSchema(
        query=Query,
        mutation=Mutation,
        types=[Error],
        extensions=[*limit_extensions(settings), ErrorCodes, RequestFacts],
        exception_handlers=EXCEPTION_HANDLERS,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
    )


# The development schema, for `strawberry export-schema web.graphql_schema:schema`; built from
# the defaults alone, so that importing this module never reads the environment.
schema = build_schema(Settings.model_construct())
