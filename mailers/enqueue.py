"""One enqueue_<event> function per mail. Each writes outbox rows, inside the caller's
transaction when there is one, so a mail exists exactly when its cause does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.accounts import Account, AccountStatus
from models.outbox import MailKind, OutboundEmail, Promotion
from models.policies import PolicyVersion
from models.privacy_requests import PrivacyRequest
from models.purposes import Purpose
from models.sharing import BookingInquiry
from models.testimonials import Testimonial
from models.webhooks import WebhookEndpoint

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
    promotion: Promotion, recipients: QuerySet[Account], purpose: Purpose
) -> int:
    """One mail of `promotion` per account of `recipients`, each needing consent to
    `purpose` (services/promotions.py chose both); returns how many. The worker checks
    that consent again just before each mail goes out."""
    return await _queue_to_each(
        recipients,
        kind=MailKind.PROMOTION,
        purpose=purpose,
        promotion_id=promotion.id,
    )


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


async def enqueue_password_reset(account: Account, link: dict[str, object]) -> None:
    """The reset link's nonce and expiry (privacy/password_reset.new_link) ride in the
    row until the mail is done; the worker then erases them (transactional)."""
    await OutboundEmail.create(
        kind=MailKind.PASSWORD_RESET,
        recipient_id=account.id,
        context=link,
        next_attempt_at=_now(),
    )


async def enqueue_address_confirmation(account: Account) -> None:
    """A confirmation link for the account's current address, asked for again (the
    first rides in the welcome mail). Transactional: it asks for the confirmation that
    marketing mail waits for."""
    await OutboundEmail.create(
        kind=MailKind.ADDRESS_CONFIRMATION, recipient_id=account.id, next_attempt_at=_now()
    )


async def enqueue_testimonial_consent(testimonial: Testimonial) -> None:
    await OutboundEmail.create(
        kind=MailKind.TESTIMONIAL_CONSENT,
        recipient_id=testimonial.author_id,
        context={"testimonial_id": testimonial.id},
        next_attempt_at=_now(),
    )


async def enqueue_privacy_request_received(request: PrivacyRequest) -> None:
    """The acknowledgement of a privacy request: its reference and due date
    (transactional: no purpose, so no marketing opt-out stops it)."""
    await OutboundEmail.create(
        kind=MailKind.PRIVACY_REQUEST_RECEIVED,
        recipient_id=request.account_id,
        context={"privacy_request_id": request.id},
        next_attempt_at=_now(),
    )


async def enqueue_privacy_request_closed(request: PrivacyRequest) -> None:
    """The outcome of a privacy request, with the note or reason (transactional)."""
    await OutboundEmail.create(
        kind=MailKind.PRIVACY_REQUEST_CLOSED,
        recipient_id=request.account_id,
        context={"privacy_request_id": request.id},
        next_attempt_at=_now(),
    )


async def enqueue_webhook_disabled(endpoint: WebhookEndpoint) -> None:
    """A webhook endpoint failed too often in a row and was turned off: its owner hears
    of it, to fix the receiver and turn it back on (transactional)."""
    await OutboundEmail.create(
        kind=MailKind.WEBHOOK_DISABLED,
        recipient_id=endpoint.owner_id,
        context={"webhook_endpoint_id": endpoint.id},
        next_attempt_at=_now(),
    )


async def enqueue_password_changed(
    account: Account, *, session_id: int | None, reset: bool
) -> None:
    """After every change of password: what can still reach the account, composed when
    the mail goes out (mailers/kinds.password_changed), so it lists what is left then.
    The row names the session the change was made from (none after a reset), never a
    secret (transactional)."""
    await OutboundEmail.create(
        kind=MailKind.PASSWORD_CHANGED,
        recipient_id=account.id,
        context={"session_id": session_id, "reset": reset},
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


async def enqueue_referral(sender: Account, *, friend_name: str, friend_email: str) -> None:
    """Email a friend: one fixed mail. The friend's name and address live only in this
    outbox row, and the worker erases them once it is delivered or has finally failed
    (privacy/mail.ERASED_WHEN_DONE)."""
    await OutboundEmail.create(
        kind=MailKind.REFERRAL,
        sender_id=sender.id,
        to_address=friend_email,
        to_name=friend_name,
        next_attempt_at=_now(),
    )
