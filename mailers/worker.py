"""The delivery worker: claims due outbox rows, checks consent again, composes and
sends each over SMTP (aiosmtplib), and records the outcome.

Several workers may run at once. On PostgreSQL a claim is `SELECT … FOR UPDATE SKIP
LOCKED` followed by marking the rows with the worker's claim token, in one
transaction; on SQLite the database-wide write lock serialises claims, and the
update re-checks that each row is still due, so a row is claimed by one worker only.
A claim expires (`claimed_until`), so rows of a worker that died are sent later.

One mail's fault is that mail's alone: whatever goes wrong while composing or sending
it (short of losing the connection) marks that row FAILED and the worker goes on with
the rest. What is stored or logged about a failure is redacted (privacy/redaction.py).
Whether a mail may go out, and which rows forget their addressee once done, are
privacy's decisions (privacy/mail.py); the worker asks.
"""

from __future__ import annotations

import asyncio
import logging
import random
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import aiosmtplib
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mailers import smtp
from mailers.compose import as_bytes, compose
from mailers.kinds import MailObsolete
from models.outbox import MailState, OutboundEmail
from models.tokens import LinkSigner
from privacy import mail, retention
from privacy.redaction import redact
from settings import Settings

log = logging.getLogger("backline.mail")
CLAIM_SECONDS = 300
MAX_RETRY_SECONDS = 6 * 3600


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        for name in ("sent", "retried", "failed", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.dropped


def _due(now: datetime) -> Q:
    return Q(state=MailState.QUEUED, next_attempt_at__lte=now) | Q(
        state=MailState.SENDING, claimed_until__lt=now
    )


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


class Worker:
    def __init__(self, settings: Settings, *, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not secrecy)
        self.envelope_from = parseaddr(settings.mail_from)[1]
        self.links = LinkSigner(settings.secret_key.get_secret_value())

    async def claim(self) -> list[OutboundEmail]:
        now = datetime.now(UTC)
        token = str(uuid.uuid4())
        async with in_transaction():
            query = (
                OutboundEmail.filter(_due(now)).order_by("id").limit(self.settings.mail_batch_size)
            )
            if _is_postgres():
                query = query.select_for_update(skip_locked=True)
            ids = [row.id for row in await query.only("id")]
            if ids:
                await OutboundEmail.filter(_due(now), id__in=ids).update(
                    state=MailState.SENDING,
                    claim=token,
                    claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                )
        if not ids:
            return []
        return (
            await OutboundEmail.filter(claim=token, state=MailState.SENDING)
            .order_by("id")
            .select_related("recipient", "sender", "promotion")
        )

    async def drain(self) -> Tally:
        """Sends everything due now; returns what happened."""
        tally = Tally()
        while rows := await self.claim():
            tally += await self.deliver(rows)
        return tally

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            tally = await self.drain()
            if tally.handled:
                log.info("mail: %s", tally)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
            except TimeoutError:
                pass

    async def deliver(self, rows: list[OutboundEmail]) -> Tally:
        tally = Tally()
        pending = list(rows)
        try:
            async with smtp.connect(self.settings) as connection:
                while pending:
                    row = pending.pop(0)
                    tally += await self._deliver_isolated(connection, row)
        except smtp.CONNECTION_ERRORS as error:
            # Nothing more can go out on this connection; the rest wait for a retry.
            for row in pending:
                tally += await self._retry(row, f"SMTP unavailable: {error}")
        return tally

    async def _deliver_isolated(self, connection: aiosmtplib.SMTP, row: OutboundEmail) -> Tally:
        try:
            return await self._deliver_one(connection, row)
        except smtp.CONNECTION_ERRORS:
            raise
        except Exception as error:
            # The message may quote the row's data (a header parse error quotes the whole
            # header, name included), and a name cannot be recognised to be redacted: only
            # the exception's type and the code's frames are kept.
            log.error(
                "mail %s (%s) not sent: unexpected %s\n%s",
                row.id,
                row.kind.value,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            return await self._finish(
                row, MailState.FAILED, f"not sent: unexpected {type(error).__name__}"
            )

    async def _deliver_one(self, connection: aiosmtplib.SMTP, row: OutboundEmail) -> Tally:
        reason = await mail.reason_not_to_deliver(row)
        if reason is not None:
            return await self._finish(row, MailState.DROPPED, reason)
        try:
            composed = await compose(row, self.settings, self.links)
        except MailObsolete as obsolete:
            return await self._finish(row, MailState.DROPPED, str(obsolete))
        try:
            await smtp.send(
                connection,
                self.envelope_from,
                composed.to_address,
                as_bytes(composed, row, self.settings),
            )
        except smtp.TemporaryFailure as error:
            return await self._retry(row, str(error))
        except smtp.PermanentFailure as error:
            return await self._finish(row, MailState.FAILED, str(error))
        except smtp.CONNECTION_ERRORS:
            await self._retry(row, "SMTP connection lost")
            raise
        return await self._finish(row, MailState.SENT, None)

    async def _retry(self, row: OutboundEmail, reason: str) -> Tally:
        attempts = row.attempts + 1
        if attempts >= self.settings.mail_max_attempts:
            # _finish counts this last attempt.
            return await self._finish(
                row, MailState.FAILED, f"gave up after {attempts} attempts: {reason}"
            )
        delay = min(MAX_RETRY_SECONDS, self.settings.mail_retry_base_seconds * 2 ** (attempts - 1))
        delay *= 0.5 + self.rng.random() / 2
        await OutboundEmail.filter(id=row.id, claim=row.claim).update(
            state=MailState.QUEUED,
            attempts=attempts,
            next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay),
            # Mail servers echo the recipient's address in their replies.
            last_error=redact(reason),
            claim=None,
            claimed_until=None,
        )
        return Tally(retried=1)

    async def _finish(self, row: OutboundEmail, state: MailState, reason: str | None) -> Tally:
        reason = redact(reason) if reason is not None else None
        if state == MailState.FAILED:
            log.warning("mail %s (%s) failed: %s", row.id, row.kind.value, reason)
        changes = {
            "state": state,
            "attempts": row.attempts + (state != MailState.DROPPED),
            "last_error": reason,
            "claim": None,
            "claimed_until": None,
            "sent_at": datetime.now(UTC) if state == MailState.SENT else None,
        }
        erase = mail.erased_when_done(row.kind)
        if erase:
            changes |= {"to_address": None, "to_name": None, "context": {}}
        await OutboundEmail.filter(id=row.id).update(**changes)
        if erase:
            # Erased means gone from disk too, not only from queries.
            await retention.reclaim_space()
        return Tally(
            sent=int(state == MailState.SENT),
            failed=int(state == MailState.FAILED),
            dropped=int(state == MailState.DROPPED),
        )
