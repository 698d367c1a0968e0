"""The delivery worker: claims due outbox rows, checks consent again, composes and
sends each over SMTP (aiosmtplib), and records the outcome.

Several workers may run at once. On PostgreSQL a claim is `SELECT … FOR UPDATE SKIP
LOCKED` followed by marking the rows with the worker's claim token, in one
transaction; on SQLite the database-wide write lock serialises claims, and the
update re-checks that each row is still due, so a row is claimed by one worker only.
A claim expires (`claimed_until`, MAIL_CLAIM_SECONDS), so rows of a worker that died
are sent later; a batch that takes longer than half its claim renews it, so that no
other worker takes a row this one is still sending.

Stopping (SIGTERM) finishes the mail being sent and gives the rest of the batch back at
once (QUEUED, no claim) instead of leaving it to wait for the claim to run out. A
database that cannot be reached stops nobody's mail for good: the worker waits and tries
again, and gives back what it had claimed as soon as the database answers. Delivery is
at least once: a mail the server accepted just before the worker died, or before the
database went away, is sent again (with the same Message-ID).

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

import db
from mailers import smtp
from mailers.compose import as_bytes, compose
from mailers.kinds import MailObsolete
from models.outbox import MailState, OutboundEmail
from models.tokens import LinkSigner
from privacy import mail, retention
from privacy.redaction import redact
from settings import Settings

log = logging.getLogger("backline.mail")
MAX_RETRY_SECONDS = 6 * 3600


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    # Claimed, then given back unsent because the worker was stopping.
    released: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        for name in ("sent", "retried", "failed", "dropped", "released"):
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
        # Claim tokens whose rows may still be SENDING under this worker: given back when
        # it stops, or after the database went away in the middle of a batch.
        self.held: set[str] = set()
        self.outage: str | None = None

    @property
    def claim_seconds(self) -> float:
        return self.settings.mail_claim_seconds

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
                self.held.add(token)
                await OutboundEmail.filter(_due(now), id__in=ids).update(
                    state=MailState.SENDING,
                    claim=token,
                    claimed_until=now + timedelta(seconds=self.claim_seconds),
                )
        if not ids:
            return []
        return (
            await OutboundEmail.filter(claim=token, state=MailState.SENDING)
            .order_by("id")
            .select_related("recipient", "sender", "promotion")
        )

    async def drain(self, stop: asyncio.Event | None = None) -> Tally:
        """Sends everything due now (until `stop` is set); returns what happened."""
        tally = Tally()
        while not _stopping(stop) and (rows := await self.claim()):
            tally += await self.deliver(rows, stop)
        return tally

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.release_held()
                tally = await self.drain(stop)
            except Exception as error:
                reason = db.unavailable(error)
                if reason is None:
                    raise
                # What this worker claimed stays claimed until the database answers.
                if self.outage is None:
                    log.warning(
                        "mail: database %s; trying again every %s s",
                        reason,
                        self.settings.worker_poll_seconds,
                    )
                self.outage = reason
            else:
                if self.outage is not None:
                    log.warning("mail: the database answers again")
                    self.outage = None
                if tally.handled:
                    log.info("mail: %s", tally)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
            except TimeoutError:
                pass
        try:
            await self.release_held()
        except Exception as error:
            if db.unavailable(error) is None:
                raise
            log.warning("mail: database unavailable at stop; claims expire by themselves")

    async def release_held(self) -> int:
        """Gives back every row still claimed by this worker (QUEUED, no claim, no
        attempt counted): they were not sent."""
        released = 0
        for token in list(self.held):
            released += await self.release(token)
            self.held.discard(token)
        return released

    async def release(self, token: str) -> int:
        return await OutboundEmail.filter(claim=token, state=MailState.SENDING).update(
            state=MailState.QUEUED, claim=None, claimed_until=None
        )

    async def deliver(self, rows: list[OutboundEmail], stop: asyncio.Event | None = None) -> Tally:
        tally = Tally()
        pending = list(rows)
        token = rows[0].claim if rows else None
        renew_at = _renewal_time(rows, self.claim_seconds)
        try:
            async with smtp.connect(self.settings) as connection:
                try:
                    while pending:
                        if _stopping(stop):
                            break
                        if renew_at is not None and datetime.now(UTC) >= renew_at:
                            pending = await self._renew(token, pending)
                            renew_at = datetime.now(UTC) + timedelta(seconds=self.claim_seconds / 2)
                            continue
                        row = pending.pop(0)
                        tally += await self._deliver_isolated(connection, row)
                except asyncio.CancelledError:
                    # Stopped at once (a second SIGTERM): no QUIT, which would wait for
                    # the server's answer; the claim expires by itself.
                    connection.close()
                    raise
        except smtp.CONNECTION_ERRORS as error:
            # Nothing more can go out on this connection; the rest wait for a retry.
            for row in pending:
                tally += await self._retry(row, f"SMTP unavailable: {error}")
            pending = []
        if pending:
            # Stopping: the rest of the batch goes back at once, for another worker.
            tally.released += await self.release(token)
        self.held.discard(token)
        return tally

    async def _renew(self, token: str | None, pending: list[OutboundEmail]) -> list[OutboundEmail]:
        """Extends the claim on the rows still to send; a row whose claim already ran out
        and that another worker took is left to that worker."""
        ids = [row.id for row in pending]
        kept = await OutboundEmail.filter(id__in=ids, claim=token, state=MailState.SENDING).update(
            claimed_until=datetime.now(UTC) + timedelta(seconds=self.claim_seconds)
        )
        if kept == len(pending):
            return pending
        ours = set(await OutboundEmail.filter(id__in=ids, claim=token).values_list("id", flat=True))
        return [row for row in pending if row.id in ours]

    async def _deliver_isolated(self, connection: aiosmtplib.SMTP, row: OutboundEmail) -> Tally:
        try:
            return await self._deliver_one(connection, row)
        except smtp.CONNECTION_ERRORS:
            raise
        except Exception as error:
            reason = db.unavailable(error)
            if reason is not None:
                # The database's trouble, not this mail's: it stays claimed, and is sent
                # when the database is back.
                raise db.Unavailable(reason) from error
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
        # Only while the claim is still this worker's (as _retry): a row another worker
        # took over is that worker's to record.
        await OutboundEmail.filter(id=row.id, claim=row.claim).update(**changes)
        if erase:
            # Erased means gone from disk too, not only from queries.
            await retention.reclaim_space()
        return Tally(
            sent=int(state == MailState.SENT),
            failed=int(state == MailState.FAILED),
            dropped=int(state == MailState.DROPPED),
        )


def _stopping(stop: asyncio.Event | None) -> bool:
    return stop is not None and stop.is_set()


def _renewal_time(rows: list[OutboundEmail], claim_seconds: float) -> datetime | None:
    """Halfway through the batch's claim."""
    if not rows or rows[0].claimed_until is None:
        return None
    return rows[0].claimed_until - timedelta(seconds=claim_seconds / 2)
