"""Promotions (staff), one-click unsubscribe, email a friend, the outbox (staff)."""

from __future__ import annotations

from models.outbox import MailState, outbox_page
from schema.context import Info
from schema.mail import (
    OutboundEmail,
    OutboundEmailConnection,
    PromotionInput,
    PromotionQueued,
    PromotionResult,
    ReferralInput,
    ReferralResult,
    ReferralSent,
    Unsubscribed,
    UnsubscribeResult,
)
from services import promotions, referrals
from services import unsubscribe as unsubscribing


async def send_promotion(info: Info, input: PromotionInput) -> PromotionResult:
    """Staff only. Queues the mailing to every active account that consents to it."""
    recipients = await promotions.send_promotion(
        info.context.viewer,
        subject=input.subject,
        body=input.body,
        on_behalf_of_partner=input.on_behalf_of_partner,
    )
    return PromotionQueued(recipients=recipients)


async def unsubscribe(info: Info, token: str) -> UnsubscribeResult:
    """The token comes from the unsubscribe link in every promotional email."""
    context = info.context
    purposes = await unsubscribing.unsubscribe(
        context.links, context.rate_limits, token, context.viewer.ip
    )
    return Unsubscribed(purposes=purposes)


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


async def outbound_emails(
    info: Info, state: MailState = MailState.FAILED, first: int = 50, after: str | None = None
) -> OutboundEmailConnection:
    """Staff only (schema/permissions.StaffOnly): the outbox by state, newest first
    (failed mail by default)."""
    page = await outbox_page(
        state,
        first=first,
        after=after,
        maximum=info.context.settings.max_page_size,
    )
    return OutboundEmailConnection.of(page, OutboundEmail.from_row)
