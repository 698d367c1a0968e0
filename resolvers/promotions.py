"""Promotions: staff send a mailing, ours or on behalf of a partner."""

from __future__ import annotations

from schema.context import Info
from schema.promotions import PromotionInput, PromotionQueued, PromotionResult
from services import promotions


async def send_promotion(info: Info, input: PromotionInput) -> PromotionResult:
    """Staff only. Queues the mailing to every active account that consents to it."""
    recipients = await promotions.send_promotion(
        info.context.viewer,
        subject=input.subject,
        body=input.body,
        on_behalf_of_partner=input.on_behalf_of_partner,
    )
    return PromotionQueued(recipients=recipients)
