"""What the site keeps about requests, and the holds that keep an account from being
erased while a legal obligation stands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account


class RequestLog(Model):
    """One HTTP request: when, from where, by whom, which operation. Never a body, a
    token or a password."""

    id = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField(auto_now_add=True)
    ip = fields.CharField(max_length=45, null=True)
    user_agent = fields.CharField(max_length=300, null=True)
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="request_logs", null=True, on_delete=fields.CASCADE
    )
    method = fields.CharField(max_length=10)
    path = fields.CharField(max_length=200)
    operation = fields.CharField(max_length=100, null=True)
    status = fields.IntField(null=True)

    class Meta:
        table = "request_log"
        indexes = (("occurred_at",), ("account_id", "id"))


class LegalHold(Model):
    """While a hold is active the account is not erased, and legal disclosures about
    it are not shown to the person."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="legal_holds", on_delete=fields.CASCADE
    )
    reason = fields.TextField()
    placed_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    placed_at = fields.DatetimeField(auto_now_add=True)
    ends_at = fields.DatetimeField(null=True)
    lifted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "legal_hold"
        indexes = (("account_id", "lifted_at"),)
