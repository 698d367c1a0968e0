"""Accounts, their current privacy choices, the consent ledger and sessions."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import connections, fields
from tortoise.models import Model

from models.crypto import EncryptedTextField
from models.purposes import ConsentSource, Purpose

if TYPE_CHECKING:
    from models.policies import PolicyVersion


class Role(StrEnum):
    CUSTOMER = "CUSTOMER"
    PERFORMER = "PERFORMER"
    STAFF = "STAFF"


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"


class Account(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    # Stored lower-cased, so uniqueness holds whatever case a person types.
    email = fields.CharField(max_length=320, unique=True)
    password_hash = fields.CharField(max_length=200)
    phone = EncryptedTextField(null=True)
    role = fields.CharEnumField(Role, max_length=16)
    status = fields.CharEnumField(AccountStatus, max_length=16, default=AccountStatus.ACTIVE)
    # The policy this account registered under governs the data collected then.
    policy_version: fields.ForeignKeyRelation[PolicyVersion] = fields.ForeignKeyField(
        "models.PolicyVersion", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    cancelled_at = fields.DatetimeField(null=True)
    # A new address waits here until a link sent to it confirms it.
    pending_email = fields.CharField(max_length=320, null=True)
    pending_email_nonce = fields.CharField(max_length=32, null=True)
    pending_email_expires_at = fields.DatetimeField(null=True)
    # Double opt-in: set when a link mailed to the current address is used (address
    # confirmation, email change, password reset); promotions wait for it.
    email_confirmed_at = fields.DatetimeField(null=True)
    # Names the current round of confirmation links; cleared once the address is confirmed.
    email_confirmation_nonce = fields.CharField(max_length=32, null=True)
    # SHA-256 of each of the latest reset links' nonces with the password hash it was asked
    # under, space-separated: a link works once, and not after the password changed.
    password_reset_digest = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "account"

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE


class PrivacyPreferences(Model):
    """The current choices (ConsentEvent keeps how they came to be)."""

    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="preferences", on_delete=fields.CASCADE, primary_key=True
    )
    promotional_emails = fields.BooleanField()
    partner_promotions = fields.BooleanField()
    contact_sharing = fields.BooleanField()
    targeted_ads = fields.BooleanField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "privacy_preferences"

    def allows(self, purpose: Purpose) -> bool:
        return bool(getattr(self, purpose.preference_field))


class ConsentEvent(Model):
    """Append-only: a row is never updated, and only erased with its account."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="consent_events", on_delete=fields.CASCADE
    )
    # A Purpose, or a purpose a newer policy version introduced (see privacy/policies.py).
    purpose = fields.CharField(max_length=32)
    granted = fields.BooleanField()
    source = fields.CharEnumField(ConsentSource, max_length=32)
    policy_version: fields.ForeignKeyRelation[PolicyVersion] = fields.ForeignKeyField(
        "models.PolicyVersion", related_name=False, on_delete=fields.RESTRICT
    )
    # Where the person made the choice from; never a staff member's address.
    ip = fields.CharField(max_length=45, null=True)
    recorded_at = fields.DatetimeField(auto_now_add=True)
    # The staff member who entered the choice on the person's request (STAFF_REQUEST);
    # their own address is in their audit event (AuditEvent.actor_ip).
    entered_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "consent_event"
        indexes = (("account_id", "id"),)


class Session(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="sessions", on_delete=fields.CASCADE
    )
    # SHA-256 of the bearer token: a stolen database yields no usable session.
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    # Moved at most once per SESSION_TOUCH_INTERVAL (models/auth.py), so reads stay reads.
    last_used_at = fields.DatetimeField(null=True)
    # Coarse: browser family and OS ("Firefox on Linux"), never the User-Agent itself.
    client = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "session"


async def hold_for_counting(account_id: int) -> None:
    """Inside a transaction: makes whoever else counts this account's rows to stay under
    a cap wait until this transaction ends (PostgreSQL: SELECT … FOR UPDATE on the
    account; SQLite lets one writer at a time anyway), so that two requests at once
    cannot both take the last place."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await Account.filter(id=account_id).select_for_update().only("id").first()
