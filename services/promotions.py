"""Promotions: staff send a mailing, our own or on behalf of a partner, to those who
agreed to receive it."""

from __future__ import annotations

from mailers.enqueue import enqueue_promotion
from models import validation
from models.accounts import Account
from models.outbox import Promotion
from privacy import mail
from privacy.viewer import Viewer


async def send_promotion(
    viewer: Viewer, *, subject: str, body: str, on_behalf_of_partner: str | None
) -> int:
    """Staff only. Queues one mail per active account that consents to the mailing's
    purpose (PARTNER_PROMOTIONS when on behalf of a partner); returns how many. Consent
    is checked again by the worker before each mail goes out.

    Not one transaction: the fan-out writes its rows in batches, each its own
    transaction, so that a mailing to 100,000 people holds no lock for long. Bad input
    is refused before anything is written."""
    staff = viewer.require_staff()
    subject = validation.text(subject, "subject", max_length=200)
    body = validation.text(body, "body", max_length=20_000, multiline=True)
    partner = None
    if on_behalf_of_partner is not None:
        partner = validation.text(on_behalf_of_partner, "onBehalfOfPartner", max_length=200)
    purpose = mail.promotion_purpose(partner)
    promotion = await Promotion.create(
        subject=subject, body=body, partner=partner, created_by_id=staff.id
    )
    queued = await enqueue_promotion(promotion, Account.filter(mail.consenting(purpose)), purpose)
    promotion.recipients = queued
    await promotion.save(update_fields=["recipients"])
    return queued
