"""Right of access: what the export of a person's data shows, in which format, and what
it withholds.

The export is a documented format (docs/export.md, JSON Schema in
docs/export.schema.json), not a dump of tables: each section names its fields in
camelCase and says what each means, and a `version` tells a reader which edition of
the format it holds. Every table is in exactly one place: SECTIONS, NOT_ABOUT_PEOPLE,
or WITHHELD with its reason; and every column of an exported table is either a field
or left out as a secret or bookkeeping (tests/test_data_export.py checks that none is
forgotten). services/data_rights.export applies these rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.accounts import Account, ConsentEvent, PrivacyPreferences, Session
from models.api_keys import ApiKey
from models.audit import AuditEvent
from models.boards import BoardPost
from models.listings import Listing
from models.outbox import OutboundEmail
from models.privacy_requests import PrivacyRequest
from models.referrals import ReferralMemory
from models.retention import RequestLog
from models.sharing import BookingInquiry, ContactGrant, ShareEnded
from models.testimonials import Testimonial
from models.webhooks import WebhookDelivery, WebhookEndpoint
from privacy.inquiries import as_seen_by

# Raised when a field is added, renamed or changes meaning (docs/export.md says how).
FORMAT_VERSION = 1
FORMAT_NAME = "backline-personal-data-export"


@dataclass(frozen=True)
class Field:
    """One field of a section: its name in the export, where it comes from (a column,
    or a lookup through a relation such as `policy_version__version`) and what it is."""

    name: str
    source: str
    description: str

    @property
    def column(self) -> str:
        """The column of the section's own table that this field reads."""
        relation, _, _ = self.source.partition("__")
        return f"{relation}_id" if relation != self.source else self.source


@dataclass(frozen=True)
class Section:
    """One part of the export: the rows of `model` about the person."""

    name: str
    model: type[Model]
    about: Callable[[int], Q]
    description: str
    fields: tuple[Field, ...]
    # Secrets and internal bookkeeping that are not information about the person.
    leave_out: frozenset[str] = frozenset()
    # One object (the account itself) rather than a list of rows.
    single: bool = False
    # For rows that hold another person's words: the rule that shows a row to the person
    # (row, their account id) -> what they may see of it, or None; the fields' sources
    # are then read from what it answers. `related`: what the rule needs loaded.
    seen_by: Callable[[Any, int], Any] | None = None
    related: tuple[str, ...] = ()

    def rows_about(self, account_id: int, concealed: Q | None) -> QuerySet:
        """The rows of this section about the person, minus the audit events a legal
        hold conceals from them now (`concealed`, from privacy/holds.concealed_from)."""
        query = self.model.filter(self.about(account_id)).order_by(self.model._meta.pk_attr)
        if self.model is AuditEvent and concealed is not None:
            query = query.exclude(concealed)
        return query


def f(name: str, source: str, description: str) -> Field:
    return Field(name, source, description)


ID = "Its identifier."
CREATED = "When it was created."

SECTIONS = (
    Section(
        "account",
        Account,
        lambda me: Q(id=me),
        "Your account.",
        (
            f("id", "id", "Your account's identifier."),
            f("name", "name", "Your name as you gave it."),
            f("email", "email", "Your email address."),
            f("phone", "phone", "Your phone number, if you gave one (stored encrypted)."),
            f("role", "role", "CUSTOMER, PERFORMER or STAFF."),
            f("status", "status", "ACTIVE, or CANCELLED once you asked us to stop."),
            f("createdAt", "created_at", "When you registered."),
            f("cancelledAt", "cancelled_at", "When you cancelled, if you did."),
            f(
                "registeredUnderPolicy",
                "policy_version__version",
                "The privacy policy version in force when you registered.",
            ),
            f("pendingEmail", "pending_email", "A new address waiting for its confirmation link."),
            f(
                "pendingEmailExpiresAt",
                "pending_email_expires_at",
                "When that confirmation link expires.",
            ),
            f(
                "emailConfirmedAt",
                "email_confirmed_at",
                "When a link mailed to your address confirmed it; until then we send it no "
                "promotions.",
            ),
        ),
        frozenset(
            {
                "password_hash",
                "pending_email_nonce",
                "email_confirmation_nonce",
                "password_reset_digest",
            }
        ),
        single=True,
    ),
    Section(
        "privacyPreferences",
        PrivacyPreferences,
        lambda me: Q(account_id=me),
        "Your current privacy choices (consentHistory tells how they came to be).",
        (
            f("promotionalEmails", "promotional_emails", "Promotional mail from us."),
            f("partnerPromotions", "partner_promotions", "Promotions from our partners."),
            f("contactSharing", "contact_sharing", "Sharing your contact details on inquiries."),
            f("targetedAds", "targeted_ads", "Targeted advertising."),
            f("updatedAt", "updated_at", "When a choice last changed."),
        ),
        frozenset({"account_id"}),
        single=True,
    ),
    Section(
        "consentHistory",
        ConsentEvent,
        lambda me: Q(account_id=me),
        "Every choice you made, oldest first.",
        (
            f("id", "id", ID),
            f("purpose", "purpose", "What the choice was about."),
            f("granted", "granted", "Whether you agreed."),
            f("source", "source", "Where the choice came from (settings, a link, staff, ...)."),
            f("policyVersion", "policy_version__version", "The policy in force when you chose."),
            f(
                "ip",
                "ip",
                "The IP address you made the choice from, if known; none for a choice "
                "staff entered for you (their address is not yours).",
            ),
            f("recordedAt", "recorded_at", "When you chose."),
            f(
                "enteredBy",
                "entered_by_id",
                "For a choice you gave us by phone, mail or post (source STAFF_REQUEST): the "
                "account id of the staff member who entered it, as in the matching audit "
                "event; null when you made the choice yourself.",
            ),
        ),
        frozenset({"account_id"}),
    ),
    Section(
        "listings",
        Listing,
        lambda me: Q(owner_id=me),
        "Your performer listings.",
        (
            f("id", "id", ID),
            f("title", "title", "Its title."),
            f("category", "category", "Its category."),
            f("description", "description", "Its description."),
            f("city", "city", "Its city."),
            f("state", "state", "Its state."),
            f("inDirectory", "in_directory", "Whether it is shown in the public directory."),
            f("createdAt", "created_at", CREATED),
            f("updatedAt", "updated_at", "When it last changed."),
        ),
        frozenset({"owner_id", "revision"}),
    ),
    Section(
        "inquiries",
        BookingInquiry,
        lambda me: Q(customer_id=me) | Q(performer_id=me),
        "Booking inquiries you sent or received, as you may see them: of an inquiry you "
        "received whose author has since closed their account, its date but not their words.",
        (
            f("id", "id", ID),
            f("listingId", "listing_id", "The listing it was about."),
            f("customerId", "customer_id", "The account that sent it."),
            f("performerId", "performer_id", "The account that received it."),
            f("eventDate", "event_date", "The event's date."),
            f(
                "eventType",
                "event_type",
                "The kind of event; empty once its author closed their account.",
            ),
            f(
                "message",
                "message",
                "The message; once its author closed their account, a note saying so.",
            ),
            f("createdAt", "created_at", "When it was sent."),
        ),
        seen_by=as_seen_by,
        related=("customer",),
    ),
    Section(
        "contactShares",
        ContactGrant,
        lambda me: Q(owner_id=me) | Q(recipient_id=me),
        "Contact details shared by you, or with you, through an inquiry.",
        (
            f("id", "id", ID),
            f("inquiryId", "inquiry_id", "The inquiry that shared them."),
            f("ownerId", "owner_id", "Whose details were shared."),
            f("recipientId", "recipient_id", "Who they were shared with."),
            f("createdAt", "created_at", "When the share began."),
            f("revokedAt", "revoked_at", "When it ended, if it did."),
        ),
        frozenset({"change_seq", "changed_at"}),
    ),
    Section(
        "endedShares",
        ShareEnded,
        lambda me: Q(recipient_id=me),
        "Shares of other people's details with you that ended, as your withdrawals feed "
        "lists them.",
        (
            f("id", "id", ID),
            f("shareId", "grant_id", "The share that ended."),
            f("endedAt", "ended_at", "When it ended."),
        ),
        frozenset({"recipient_id", "seq", "webhooks_queued"}),
    ),
    Section(
        "testimonials",
        Testimonial,
        lambda me: Q(author_id=me),
        "Testimonials you wrote.",
        (
            f("id", "id", ID),
            f("quote", "quote", "What you wrote."),
            f("eventType", "event_type", "The kind of event."),
            f("city", "city", "The event's city."),
            f("state", "state", "The event's state."),
            f("status", "status", "Whether it is pending, published, declined or removed."),
            f("publishedName", "published_name", "The name shown with it, if published."),
            f("consentExpiresAt", "consent_expires_at", "When the consent link expires."),
            f("respondedAt", "responded_at", "When you answered the consent request."),
            f("removedAt", "removed_at", "When it was removed, if it was."),
            f("createdAt", "created_at", CREATED),
        ),
        frozenset({"author_id", "consent_nonce"}),
    ),
    Section(
        "apiKeys",
        ApiKey,
        lambda me: Q(owner_id=me),
        "Your API keys (never their secrets).",
        (
            f("id", "id", ID),
            f("name", "name", "The name you gave it."),
            f("scopes", "scopes", "What it may read, comma-separated."),
            f("createdAt", "created_at", CREATED),
            f("revokedAt", "revoked_at", "When it was revoked, if it was."),
            f("expiresAt", "expires_at", "When it stops working, if you chose an expiry."),
            f("lastUsedAt", "last_used_at", "When it was last used (to within minutes)."),
            f(
                "previousSecretValidUntil",
                "previous_token_expires_at",
                "After a rotation, until when the replaced secret worked.",
            ),
        ),
        frozenset({"owner_id", "token_hash", "previous_token_hash"}),
    ),
    Section(
        "webhookEndpoints",
        WebhookEndpoint,
        lambda me: Q(owner_id=me),
        "Your webhook endpoints (never their signing secrets).",
        (
            f("id", "id", ID),
            f("apiKeyId", "api_key_id", "The API key it belongs to."),
            f("url", "url", "Where events are sent."),
            f("events", "events", "The events it receives, space-separated."),
            f("createdAt", "created_at", CREATED),
            f("disabledAt", "disabled_at", "When it was turned off, if it was."),
            f("disabledReason", "disabled_reason", "Why it was turned off."),
            f("failures", "failures", "Failed deliveries in a row."),
        ),
        frozenset({"owner_id", "secret"}),
    ),
    Section(
        "webhookDeliveries",
        WebhookDelivery,
        lambda me: Q(endpoint__owner_id=me),
        "Events sent, or to be sent, to your webhook endpoints: how each went.",
        (
            f("id", "id", ID),
            f("endpointId", "endpoint_id", "The endpoint."),
            f("event", "event", "What happened."),
            f("messageId", "message_id", "The webhook-id it was sent with."),
            f("shareId", "share_id", "The share it was about, if any."),
            f("inquiryId", "inquiry_id", "The inquiry it was about, if any."),
            f("occurredAt", "occurred_at", "When the event happened."),
            f("state", "state", "Queued, delivered, failed or dropped."),
            f("attempts", "attempts", "How many times we tried."),
            f("lastAttemptAt", "last_attempt_at", "When we last tried."),
            f("statusCode", "status_code", "The HTTP status your endpoint answered."),
            f("lastError", "last_error", "Why the last attempt failed, if it did."),
            f("deliveredAt", "delivered_at", "When it was delivered."),
            f("nextAttemptAt", "next_attempt_at", "When the next attempt is due."),
        ),
        frozenset({"claim", "claimed_until"}),
    ),
    Section(
        "sessions",
        Session,
        lambda me: Q(account_id=me),
        "Your sign-ins (never their tokens).",
        (
            f("id", "id", ID),
            f("client", "client", "A coarse description of the browser or app."),
            f("createdAt", "created_at", "When you signed in."),
            f("lastUsedAt", "last_used_at", "When it was last used (to within minutes)."),
            f("expiresAt", "expires_at", "When it expires."),
            f("revokedAt", "revoked_at", "When it ended, if it did."),
        ),
        frozenset({"account_id", "token_hash"}),
    ),
    Section(
        "requestLog",
        RequestLog,
        lambda me: Q(account_id=me),
        "Requests you made to the API, kept for the retention period.",
        (
            f("id", "id", ID),
            f("occurredAt", "occurred_at", "When."),
            f("method", "method", "The HTTP method."),
            f("path", "path", "The path (never a token)."),
            f("operation", "operation", "The GraphQL operation, if any."),
            f("status", "status", "The HTTP status answered."),
            f("ip", "ip", "The IP address it came from."),
            f("userAgent", "user_agent", "The browser or app it came from."),
        ),
        frozenset({"account_id"}),
    ),
    Section(
        "auditEvents",
        AuditEvent,
        lambda me: Q(subject_id=me) | Q(actor_id=me),
        "What was done with your data, or by you, that we audit.",
        (
            f("id", "id", ID),
            f("action", "action", "What happened."),
            f("via", "via", "How it was done (session or API key), if by an access."),
            f("actorId", "actor_id", "Who did it."),
            f("subjectId", "subject_id", "Whose data it was about."),
            f("apiKeyId", "api_key_id", "The API key used, if any."),
            f("grantId", "grant_id", "The contact share concerned, if any."),
            f("detail", "detail", "Details of the action."),
            f("recordedAt", "recorded_at", "When."),
        ),
        # The address staff acted from: the company's network, kept to review staff
        # actions, not information about the person the action was about.
        frozenset({"actor_ip"}),
    ),
    Section(
        "mail",
        OutboundEmail,
        # Not the invitations a person sent a friend: whether one was mailed would tell
        # them that someone else had invited that friend (privacy/referrals.py). They
        # are in `referrals`, mailed or not alike.
        lambda me: Q(recipient_id=me),
        "Mail we sent you.",
        (
            f("id", "id", ID),
            f("kind", "kind", "What kind of mail."),
            f("purpose", "purpose", "The consent it needed, if it was promotional."),
            f("state", "state", "Queued, sent, failed or dropped."),
            f("attempts", "attempts", "How many times we tried."),
            f("lastError", "last_error", "Why the last attempt failed, or why it was dropped."),
            f("promotionId", "promotion_id", "The promotion it carried, if any."),
            f("recipientId", "recipient_id", "Who it was for."),
            f("senderId", "sender_id", "Who caused it (a referral's sender), if anyone."),
            f("createdAt", "created_at", "When it was queued."),
            f("nextAttemptAt", "next_attempt_at", "When the next attempt is due."),
            f("sentAt", "sent_at", "When it was sent."),
        ),
        frozenset({"claim", "claimed_until", "to_address", "to_name", "context"}),
    ),
    Section(
        "referrals",
        ReferralMemory,
        lambda me: Q(sender_id=me),
        "Friends you invited with email a friend, kept so that nobody invites them twice: "
        "when, and nothing of the friend but a keyed digest of the address, which is left "
        "out here; each goes after REFERRAL_MEMORY_DAYS.",
        (
            f("id", "id", ID),
            f("createdAt", "created_at", "When you invited them."),
        ),
        # Keyed digests of someone else's address: nothing about the sender, and the
        # friend's digest would tell whether someone else had invited them.
        frozenset({"sender_id", "sender_digest", "friend_digest"}),
    ),
    Section(
        "boardPosts",
        BoardPost,
        lambda me: Q(author_id=me),
        "Questions and answers you posted on listings' public boards.",
        (
            f("id", "id", ID),
            f("listingId", "listing_id", "The listing whose board it is on."),
            f(
                "questionId",
                "question_id",
                "For an answer, the question it answers; null for a question.",
            ),
            f(
                "body",
                "body",
                "What you wrote, as published: contact details were removed before storing.",
            ),
            f("createdAt", "created_at", "When you posted it."),
        ),
        frozenset({"author_id"}),
    ),
    Section(
        "privacyRequests",
        PrivacyRequest,
        lambda me: Q(account_id=me),
        "Requests you made about your data (access, correction, deletion, ...), and their outcome.",
        (
            f("id", "id", ID),
            f("reference", "reference", "The reference quoted in our mails."),
            f("kind", "kind", "ACCESS, CORRECTION, DELETION, OBJECTION or QUESTION."),
            f("source", "source", "How it reached us (self-service, email, phone, post)."),
            f("message", "message", "What you asked."),
            f("status", "status", "RECEIVED, ACKNOWLEDGED, RESOLVED or REJECTED."),
            f("reason", "reason", "Our note on resolving it, or why it was rejected."),
            f("receivedAt", "received_at", "When it reached us."),
            f("dueAt", "due_at", "When our answer is due."),
            f("acknowledgedAt", "acknowledged_at", "When we acknowledged it."),
            f("closedAt", "closed_at", "When it was resolved or rejected."),
            f("createdAt", "created_at", "When it was entered."),
        ),
        # Staff act for the company: which member filed or closed it is not about you.
        frozenset({"account_id", "filed_by_id", "closed_by_id"}),
    ),
)
# Tables that hold nothing about any one person.
# (ScheduledJob: when the purge last ran and is next due.)
NOT_ABOUT_PEOPLE = frozenset(
    {"PolicyVersion", "Promotion", "PublicVersion", "ScheduledJob", "SyncClock"}
)
# About the person but withheld, with the reason: a hold is placed to meet a legal
# obligation that the person may not be told of (docs/privacy.md).
WITHHELD = frozenset({"LegalHold"})
