"""One enqueue_<event> function per mail. Each writes outbox rows, inside the caller's
transaction when there is one, so a mail exists exactly when its cause does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from errors import InvalidInput, RateLimitedError
from models import validation
from models.accounts import Account, AccountStatus
from models.outbox import MailKind, OutboundEmail, Promotion
from models.policies import PolicyVersion
from models.sharing import BookingInquiry
from models.testimonials import Testimonial
from privacy import mail

MASS_MAIL_BATCH = 2000


def _now() -> datetime:
    return datetime.now(UTC)


async def enqueue_welcome(account: Account) -> None:
    await OutboundEmail.create(
        kind=MailKind.WELCOME, recipient_id=account.id, next_attempt_at=_now()
    )


async def enqueue_new_inquiry(inquiry: BookingInquiry, *, customer_shared: bool) -> None:
    await OutboundEmail.create(
        kind=MailKind.NEW_INQUIRY,
        recipient_id=inquiry.performer_id,
        context={"inquiry_id": inquiry.id, "shared": customer_shared},
        next_attempt_at=_now(),
    )


async def enqueue_promotion(
    staff: Account, *, subject: str, body: str, on_behalf_of_partner: str | None
) -> int:
    """Queues one mail per consenting active account; returns how many. Consent is
    checked again by the worker before each mail goes out."""
    subject = validation.text(subject, "subject", max_length=200)
    body = validation.text(body, "body", max_length=20_000, multiline=True)
    partner = None
    if on_behalf_of_partner is not None:
        partner = validation.text(on_behalf_of_partner, "onBehalfOfPartner", max_length=200)
    purpose = mail.promotion_purpose(partner)
    promotion = await Promotion.create(
        subject=subject, body=body, partner=partner, created_by_id=staff.id
    )
    queued = await _queue_to_each(
        Account.filter(mail.consenting(purpose)),
        kind=MailKind.PROMOTION,
        purpose=purpose,
        promotion_id=promotion.id,
    )
    promotion.recipients = queued
    await promotion.save(update_fields=["recipients"])
    return queued


async def enqueue_policy_notice(policy: PolicyVersion) -> int:
    """A material change is announced to every active account (transactional)."""
    return await _queue_to_each(
        Account.filter(status=AccountStatus.ACTIVE),
        kind=MailKind.POLICY_NOTICE,
        context={"policy_version_id": policy.id},
    )


async def enqueue_email_change(account: Account) -> None:
    """The confirmation link goes to the new address, to prove it is theirs."""
    await OutboundEmail.create(
        kind=MailKind.EMAIL_CHANGE,
        recipient_id=account.id,
        to_address=account.pending_email,
        next_attempt_at=_now(),
    )


async def enqueue_email_changed_notice(account: Account, old_address: str) -> None:
    """Once a change is confirmed, the replaced address hears of it, so that its owner
    can object if the change was not theirs (transactional: no purpose, no unsubscribe).
    The worker erases the old address from the row once the mail is done."""
    await OutboundEmail.create(
        kind=MailKind.EMAIL_CHANGED,
        recipient_id=account.id,
        to_address=old_address,
        next_attempt_at=_now(),
    )


async def enqueue_testimonial_consent(testimonial: Testimonial) -> None:
    await OutboundEmail.create(
        kind=MailKind.TESTIMONIAL_CONSENT,
        recipient_id=testimonial.author_id,
        context={"testimonial_id": testimonial.id},
        next_attempt_at=_now(),
    )


async def _queue_to_each(accounts: QuerySet[Account], **row: object) -> int:
    """One outbox row per account of `accounts`, in batches: each batch its own
    transaction, the event loop free in between, so 100,000 recipients hold neither
    a transaction nor the loop for long."""
    queued, after_id = 0, 0
    while True:
        ids = (
            await accounts.filter(id__gt=after_id)
            .order_by("id")
            .limit(MASS_MAIL_BATCH)
            .values_list("id", flat=True)
        )
        if not ids:
            return queued
        now = _now()
        async with in_transaction():
            await OutboundEmail.bulk_create(
                [
                    OutboundEmail(recipient_id=account_id, next_attempt_at=now, **row)
                    for account_id in ids
                ]
            )
        queued, after_id = queued + len(ids), ids[-1]
        await asyncio.sleep(0)


async def enqueue_referral(
    sender: Account, *, friend_name: str, friend_email: str, per_day: int
) -> None:
    """Email a friend: one fixed mail. The friend's name and address live only in this
    outbox row, and the worker erases them once it is delivered or has finally failed."""
    friend_name = validation.text(friend_name, "friendName", max_length=200)
    friend_email = validation.email(friend_email, "friendEmail")
    if friend_email == sender.email:
        raise InvalidInput("friendEmail", "Give your friend's address, not your own.")
    since = _now() - timedelta(days=1)
    sent_today = await OutboundEmail.filter(
        sender_id=sender.id, kind=MailKind.REFERRAL, created_at__gte=since
    ).order_by("created_at")
    if len(sent_today) >= per_day:
        oldest = sent_today[0].created_at
        raise RateLimitedError(max(1, int((oldest + timedelta(days=1) - _now()).total_seconds())))
    await OutboundEmail.create(
        kind=MailKind.REFERRAL,
        sender_id=sender.id,
        to_address=friend_email,
        to_name=friend_name,
        next_attempt_at=_now(),
    )
