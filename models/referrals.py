"""What "email a friend" remembers so that a friend is invited once: keyed digests of
the friend's address, never the address or the name (privacy/referrals.py makes them
and says what they reveal). Rows go REFERRAL_MEMORY_DAYS after they were written
(services/retention.purge) and with their sender's account (ON DELETE CASCADE)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account


class ReferralMemory(Model):
    """One invitation a person asked for, whether or not a mail went out for it."""

    id = fields.BigIntField(primary_key=True)
    sender: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    # The sender's own digest of the address (keyed with the sender's id): it tells
    # nobody whether another sender invited the same friend.
    sender_digest = fields.CharField(max_length=64, unique=True)
    # Set only on the invitation whose mail went out: the friend's digest across
    # senders, so that the next one is not mailed.
    friend_digest = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "referral_memory"
        indexes = (("sender_id", "created_at"), ("created_at",))


async def forget_expired_digests(cutoff: datetime, *digests: str) -> None:
    """Deletes the rows for these digests that are past their time, so that a new one
    can take their place before `purge` comes round."""
    await ReferralMemory.filter(
        Q(sender_digest__in=digests) | Q(friend_digest__in=digests), created_at__lte=cutoff
    ).delete()


async def invited_by_sender(sender_digest: str) -> bool:
    return await ReferralMemory.exists(sender_digest=sender_digest)


async def invited_by_anyone(friend_digest: str) -> bool:
    return await ReferralMemory.exists(friend_digest=friend_digest)


async def invitation_times_since(sender_id: int, since: datetime) -> list[datetime]:
    """When `sender` asked to invite someone since `since`, oldest first, mailed or not,
    so that the daily allowance tells nothing about what others did."""
    return await (
        ReferralMemory.filter(sender_id=sender_id, created_at__gte=since)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


async def forget_expired(cutoff: datetime) -> int:
    """`purge`: every row written on or before `cutoff`; how many."""
    return await ReferralMemory.filter(created_at__lte=cutoff).delete()
