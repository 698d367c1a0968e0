"""Email a friend: a signed-in person sends one fixed mail to a friend, whose name and
address are kept only until that mail is done (privacy/mail.ERASED_WHEN_DONE)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from errors import InvalidInput, RateLimitedError
from mailers.enqueue import enqueue_referral
from models import validation
from models.outbox import referral_times_since
from privacy.viewer import Viewer
from rate_limits import RateLimits

ALLOWANCE_WINDOW = timedelta(days=1)


async def send_referral(
    viewer: Viewer,
    rate_limits: RateLimits,
    *,
    friend_name: str,
    friend_email: str,
    per_day: int,
) -> None:
    """A person acting through their own session only. Limited per IP (rate_limits) and
    to `per_day` per sender in any 24 hours, counted from the outbox."""
    sender = viewer.require_account()
    # Counted before the input is checked, so a flood of bad input is limited too.
    await rate_limits.referral(viewer.ip)
    friend_name = validation.text(friend_name, "friendName", max_length=200)
    friend_email = validation.email(friend_email, "friendEmail")
    if friend_email == sender.email:
        raise InvalidInput("friendEmail", "Give your friend's address, not your own.")
    now = datetime.now(UTC)
    sent = await referral_times_since(sender.id, now - ALLOWANCE_WINDOW)
    if len(sent) >= per_day:
        # Another may be sent once the oldest of the window leaves it.
        free_again = sent[0] + ALLOWANCE_WINDOW
        raise RateLimitedError(max(1, int((free_again - datetime.now(UTC)).total_seconds())))
    await enqueue_referral(sender, friend_name=friend_name, friend_email=friend_email)
