"""Privacy policy versions: each consent is given under one of them."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model


class PolicyVersion(Model):
    id = fields.IntField(primary_key=True)
    version = fields.CharField(max_length=40, unique=True)
    summary = fields.TextField()
    material_change = fields.BooleanField(default=False)
    announced_at = fields.DatetimeField()
    effective_at = fields.DatetimeField()

    class Meta:
        table = "policy_version"
        ordering = ("effective_at",)


async def policy_in_force(at: datetime) -> PolicyVersion:
    """The latest version whose effective date has come.

    The first version is created by the initial migration, so there always is one.
    """
    return await PolicyVersion.filter(effective_at__lte=at).order_by("-effective_at", "-id").first()
