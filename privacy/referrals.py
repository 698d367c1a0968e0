"""Email a friend is one-time: a friend gets one invitation per REFERRAL_MEMORY_DAYS,
whoever asks, and the friend's name and address are still not kept.

What is kept instead (models/referrals.ReferralMemory), for REFERRAL_MEMORY_DAYS and
never past the sender's erasure:
- per invitation asked for, the sender's digest: HMAC-SHA256 of the sender's id and the
  normalised address, under a key derived from SECRET_KEY for this purpose alone. Two
  senders' digests of one address differ, so these rows do not link senders who
  invited the same person;
- on the invitation whose mail went out, the friend's digest: HMAC-SHA256 of the
  normalised address under a second purpose-separated key. It is what stops the next
  sender's mail, and exists once per friend at most.

Neither can be reversed without SECRET_KEY; whoever holds it can test a guessed address,
as with any keyed hash, so SECRET_KEY is guarded like the database's phone key.

A sender is told when they invited an address themselves (ValidationError on
friendEmail). When someone else did, the answer, the daily allowance and the sender's
data export are those of a sent invitation: no mail goes, and nothing tells them why.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import SecretStr

from errors import InvalidInput
from models import referrals

ALREADY_INVITED = "You have invited this friend already."


def normalised(address: str) -> str:
    """One form for every way of writing one mailbox, for comparing only (the mail goes
    to the address as given). `address` has passed models/validation.email, which has
    lower-cased it and written its domain in Unicode (IDNA), so those variants are one
    already; a `+tag` sub-address (RFC 5233) is dropped here: friend+1@ and friend+2@
    reach one person at most providers. Nothing else is folded (not NFKC, not ß/ss):
    those are different mailboxes, and folding them would keep a stranger's mail back."""
    local, _, domain = address.rpartition("@")
    local = local.split("+", 1)[0] or local
    return f"{local}@{domain}"


def _key(secret_key: SecretStr, purpose: str) -> bytes:
    return hashlib.sha256(
        f"backline.referral-memory.{purpose}:".encode() + secret_key.get_secret_value().encode()
    ).digest()


def sender_digest(secret_key: SecretStr, sender_id: int, address: str) -> str:
    message = f"{sender_id}\x00{normalised(address)}".encode()
    return hmac.new(_key(secret_key, "sender"), message, hashlib.sha256).hexdigest()


def friend_digest(secret_key: SecretStr, address: str) -> str:
    message = normalised(address).encode()
    return hmac.new(_key(secret_key, "friend"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Invitation:
    sender_digest: str
    # None: someone else invited this friend within the memory; no mail goes.
    friend_digest: str | None

    @property
    def mail_goes(self) -> bool:
        return self.friend_digest is not None


async def decide(
    secret_key: SecretStr, sender_id: int, address: str, *, now: datetime, memory_days: int
) -> Invitation:
    """Inside the caller's transaction. ValidationError when the sender invited this
    address within the memory; otherwise the invitation to remember, which mails the
    friend unless someone else already did."""
    mine, theirs = sender_digest(secret_key, sender_id, address), friend_digest(secret_key, address)
    await referrals.forget_expired_digests(now - timedelta(days=memory_days), mine, theirs)
    if await referrals.invited_by_sender(mine):
        raise InvalidInput("friendEmail", ALREADY_INVITED)
    if await referrals.invited_by_anyone(theirs):
        return Invitation(sender_digest=mine, friend_digest=None)
    return Invitation(sender_digest=mine, friend_digest=theirs)
