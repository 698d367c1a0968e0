"""The outbox: every mail is a row written in the same transaction as the change
that causes it, and delivered later by the worker (mailers/worker.py).

A row holds what is needed to compose the mail (its kind and a small context), not
the composed mail: the worker renders it just before sending, from the account as it
is then, so an address corrected in between is used and a withdrawn consent is seen.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.pagination import Page, keyset_page
from models.purposes import Purpose

if TYPE_CHECKING:
    from models.accounts import Account


class MailKind(StrEnum):
    WELCOME = "WELCOME"
    NEW_INQUIRY = "NEW_INQUIRY"
    PROMOTION = "PROMOTION"
    REFERRAL = "REFERRAL"
    TESTIMONIAL_CONSENT = "TESTIMONIAL_CONSENT"
    POLICY_NOTICE = "POLICY_NOTICE"
    EMAIL_CHANGE = "EMAIL_CHANGE"
    # To the address a confirmed change replaced, in case the change was not the owner's.
    EMAIL_CHANGED = "EMAIL_CHANGED"
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105 (a kind of mail, not a secret)
    # Double opt-in: a new address is confirmed before promotional or partner mail.
    ADDRESS_CONFIRMATION = "ADDRESS_CONFIRMATION"
    PRIVACY_REQUEST_RECEIVED = "PRIVACY_REQUEST_RECEIVED"
    PRIVACY_REQUEST_CLOSED = "PRIVACY_REQUEST_CLOSED"
    # To the owner of a webhook endpoint that failed too often in a row and was turned off.
    WEBHOOK_DISABLED = "WEBHOOK_DISABLED"
    # After every change of password (changePassword, resetPassword): what can still
    # reach the account, and how to end it.
    PASSWORD_CHANGED = "PASSWORD_CHANGED"  # noqa: S105 (a kind of mail, not a secret)


class MailState(StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    # Not sent, on purpose: the consent it needed was withdrawn, or the account closed.
    DROPPED = "DROPPED"


class Promotion(Model):
    id = fields.IntField(primary_key=True)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    partner = fields.CharField(max_length=200, null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    recipients = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "promotion"


class OutboundEmail(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(MailKind, max_length=32)
    # The consent the mail needs, checked again just before it is sent.
    purpose = fields.CharEnumField(Purpose, max_length=32, null=True)
    recipient: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="mail_received", null=True, on_delete=fields.CASCADE
    )
    # Only for a recipient without an account (email a friend); erased once delivered.
    to_address = fields.CharField(max_length=320, null=True)
    to_name = fields.CharField(max_length=200, null=True)
    sender: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="mail_sent", null=True, on_delete=fields.CASCADE
    )
    promotion: fields.ForeignKeyNullableRelation[Promotion] = fields.ForeignKeyField(
        "models.Promotion", related_name="mails", null=True, on_delete=fields.CASCADE
    )
    context = fields.JSONField(default=dict)
    state = fields.CharEnumField(MailState, max_length=16, default=MailState.QUEUED)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claim = fields.CharField(max_length=36, null=True)
    claimed_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbound_email"
        indexes = (("state", "next_attempt_at"), ("sender_id", "kind", "created_at"))


async def outbox_page(
    state: MailState, *, first: int, after: str | None, maximum: int
) -> Page[OutboundEmail]:
    """Staff only: services/outbox.outbox checks who asks."""
    return await keyset_page(
        OutboundEmail.filter(state=state).select_related("recipient"),
        kind="outbox",
        first=first,
        after=after,
        maximum=maximum,
    )
