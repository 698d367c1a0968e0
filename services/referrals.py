"""Email a friend: a signed-in person sends one fixed mail to a friend, whose name and
address are kept only until that mail is done (privacy/mail.ERASED_WHEN_DONE). A friend
gets one invitation per REFERRAL_MEMORY_DAYS, whoever asks (privacy/referrals.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from errors import InvalidInput, RateLimitedError
from mailers.enqueue import enqueue_referral
from models import validation
from models.accounts import Account, hold_for_counting
from models.referrals import ReferralMemory, invitation_times_since
from privacy import referrals
from privacy.viewer import Viewer
from rate_limits import RateLimits

ALLOWANCE_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class ReferralRules:
    per_day: int
    memory_days: int
    secret_key: SecretStr


async def send_referral(
    viewer: Viewer,
    rate_limits: RateLimits,
    rules: ReferralRules,
    *,
    friend_name: str,
    friend_email: str,
) -> None:
    """A person acting through their own session only. Limited per IP (rate_limits) and
    to `per_day` invitations per sender in any 24 hours. The same answer whether the
    friend is mailed now or was invited by someone else already."""
    sender = viewer.require_account()
    # Counted before the input is checked, so a flood of bad input is limited too.
    await rate_limits.referral(viewer.ip)
    friend_name = validation.text(friend_name, "friendName", max_length=200)
    friend_email = validation.email(friend_email, "friendEmail")
    if referrals.normalised(friend_email) == referrals.normalised(sender.email):
        raise InvalidInput("friendEmail", "Give your friend's address, not your own.")
    try:
        await _remember_and_send(sender, rules, friend_name, friend_email)
    except IntegrityError:
        # Another invitation of the same friend was remembered meanwhile (by this sender,
        # or a first one by someone else): decided again, it is a repeat or goes unmailed.
        await _remember_and_send(sender, rules, friend_name, friend_email)


async def _remember_and_send(
    sender: Account, rules: ReferralRules, friend_name: str, friend_email: str
) -> None:
    now = datetime.now(UTC)
    async with in_transaction():
        # One sender's invitations are decided one at a time (the allowance holds).
        await hold_for_counting(sender.id)
        invitation = await referrals.decide(
            rules.secret_key, sender.id, friend_email, now=now, memory_days=rules.memory_days
        )
        # Counted from the memory, mailed or not, so that it says nothing about others.
        asked = await invitation_times_since(sender.id, now - ALLOWANCE_WINDOW)
        if len(asked) >= rules.per_day:
            # Another may be asked for once the oldest of the window leaves it.
            free_again = asked[0] + ALLOWANCE_WINDOW
            raise RateLimitedError(max(1, int((free_again - datetime.now(UTC)).total_seconds())))
        await ReferralMemory.create(
            sender_id=sender.id,
            sender_digest=invitation.sender_digest,
            friend_digest=invitation.friend_digest,
        )
        if invitation.mail_goes:
            await enqueue_referral(sender, friend_name=friend_name, friend_email=friend_email)
