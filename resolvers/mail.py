"""Promotions (staff), one-click unsubscribe, email a friend, the outbox (staff)."""

from __future__ import annotations

from mailers import enqueue
from models.outbox import MailState, outbox_page
from privacy import unsubscribe as unsubscribing
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


async def send_promotion(info: Info, input: PromotionInput) -> PromotionResult:
    """Staff only. Queues the mailing to every active account that consents to it."""
    staff = info.context.viewer.require_staff()
    recipients = await enqueue.enqueue_promotion(
        staff,
        subject=input.subject,
        body=input.body,
        on_behalf_of_partner=input.on_behalf_of_partner,
    )
    return PromotionQueued(recipients=recipients)


async def unsubscribe(info: Info, token: str) -> UnsubscribeResult:
    """The token comes from the unsubscribe link in every promotional email."""
    context = info.context
    await context.rate_limits.unsubscribe(
        context.viewer.ip, unsubscribing.account_named(context.links, token)
    )
    purposes = await unsubscribing.unsubscribe(context.links, token, context.viewer.ip)
    return Unsubscribed(purposes=purposes)


async def send_referral(info: Info, input: ReferralInput) -> ReferralResult:
    """Sends one email to a friend; the friend's name and address are not kept."""
    sender = info.context.viewer.require_account()
    await info.context.rate_limits.referral(info.context.viewer.ip)
    await enqueue.enqueue_referral(
        sender,
        friend_name=input.friend_name,
        friend_email=input.friend_email,
        per_day=info.context.settings.referrals_per_day,
    )
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
