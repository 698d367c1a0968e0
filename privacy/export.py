"""Right of access: what the export of a person's data shows and what it withholds.

Every table is in exactly one place: SECTIONS (exported, minus the columns that are
secrets or bookkeeping rather than information about the person), NOT_ABOUT_PEOPLE, or
WITHHELD with its reason (tests/test_data_export.py checks that none is forgotten).
services/data_rights.export applies these rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.accounts import Account, ConsentEvent, PrivacyPreferences, Session
from models.api_keys import ApiKey
from models.audit import AuditEvent
from models.listings import Listing
from models.outbox import OutboundEmail
from models.retention import RequestLog
from models.sharing import BookingInquiry, ContactGrant
from models.testimonials import Testimonial


@dataclass(frozen=True)
class Section:
    """One part of the export: the rows of `model` about the person."""

    name: str
    model: type[Model]
    about: Callable[[int], Q]
    # Secrets and internal bookkeeping that are not information about the person.
    leave_out: frozenset[str] = frozenset()

    def shown_fields(self) -> list[str]:
        meta = self.model._meta
        columns = {meta.db_pk_column} | set(meta.db_fields)
        return sorted(name for name in columns if name not in self.leave_out)

    def rows_about(self, account_id: int, concealed: Q | None) -> QuerySet:
        """The rows of this section about the person, minus the audit events a legal
        hold conceals from them now (`concealed`, from privacy/holds.concealed_from)."""
        query = self.model.filter(self.about(account_id)).order_by(self.model._meta.pk_attr)
        if self.model is AuditEvent and concealed is not None:
            query = query.exclude(concealed)
        return query


SECTIONS = (
    Section(
        "account", Account, lambda me: Q(id=me), frozenset({"password_hash", "pending_email_nonce"})
    ),
    Section("privacy_preferences", PrivacyPreferences, lambda me: Q(account_id=me)),
    Section("consent_history", ConsentEvent, lambda me: Q(account_id=me)),
    Section("listings", Listing, lambda me: Q(owner_id=me)),
    Section("inquiries", BookingInquiry, lambda me: Q(customer_id=me) | Q(performer_id=me)),
    Section("contact_shares", ContactGrant, lambda me: Q(owner_id=me) | Q(recipient_id=me)),
    Section("testimonials", Testimonial, lambda me: Q(author_id=me), frozenset({"consent_nonce"})),
    Section("api_keys", ApiKey, lambda me: Q(owner_id=me), frozenset({"token_hash"})),
    Section("sessions", Session, lambda me: Q(account_id=me), frozenset({"token_hash"})),
    Section("request_log", RequestLog, lambda me: Q(account_id=me)),
    Section("audit_events", AuditEvent, lambda me: Q(subject_id=me) | Q(actor_id=me)),
    Section(
        "mail",
        OutboundEmail,
        lambda me: Q(recipient_id=me) | Q(sender_id=me),
        frozenset({"claim", "claimed_until", "to_address", "to_name", "context"}),
    ),
)
# Tables that hold nothing about any one person.
NOT_ABOUT_PEOPLE = frozenset({"PolicyVersion", "Promotion", "PublicVersion"})
# About the person but withheld, with the reason: a hold is placed to meet a legal
# obligation that the person may not be told of (docs/privacy.md).
WITHHELD = frozenset({"LegalHold"})
