"""Email a friend."""

from __future__ import annotations

from schema.context import Info
from schema.referrals import ReferralInput, ReferralResult, ReferralSent
from services import referrals


async def send_referral(info: Info, input: ReferralInput) -> ReferralResult:
    """Sends one email to a friend; the friend's name and address are not kept."""
    context, settings = info.context, info.context.settings
    await referrals.send_referral(
        context.viewer,
        context.rate_limits,
        referrals.ReferralRules(
            per_day=settings.referrals_per_day,
            memory_days=settings.referral_memory_days,
            secret_key=settings.secret_key,
        ),
        friend_name=input.friend_name,
        friend_email=input.friend_email,
    )
    # The same whether the mail goes now or someone else invited this friend before.
    return ReferralSent(message="Your friend will get one email from us.")
