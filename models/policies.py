"""Privacy policy versions: each consent is given under one of them."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model

INITIAL_PURPOSES = ("PROMOTIONAL_EMAILS", "PARTNER_PROMOTIONS", "CONTACT_SHARING", "TARGETED_ADS")


class PolicyVersion(Model):
    id = fields.IntField(primary_key=True)
    version = fields.CharField(max_length=40, unique=True)
    summary = fields.TextField()
    material_change = fields.BooleanField(default=False)
    announced_at = fields.DatetimeField()
    effective_at = fields.DatetimeField()
    # The purposes this version asks consent for, space-separated. A purpose a later
    # version introduces applies to nobody who has not consented under such a version.
    purposes = fields.CharField(max_length=400, db_default=" ".join(INITIAL_PURPOSES))

    @property
    def purpose_names(self) -> frozenset[str]:
        return frozenset(self.purposes.split())

    class Meta:
        table = "policy_version"
        ordering = ("effective_at",)


async def policy_in_force(at: datetime) -> PolicyVersion:
    """The latest version whose effective date has come.

    The first version is created by the initial migration, so there always is one.
    """
    return await PolicyVersion.filter(effective_at__lte=at).order_by("-effective_at", "-id").first()
