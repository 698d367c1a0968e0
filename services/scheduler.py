"""Jobs the worker runs on a schedule, once across every worker process: today the
daily `purge` (services/retention.purge), which erasure must not wait on an operator's
cron for.

Each tick asks, for each job, whether its run is due (models/scheduled_jobs.py): a
conditional UPDATE takes a due run and moves `next_run_at` to the end of a lease (LEASE),
so of many workers ticking at once only one runs it. A run that ends well moves
`next_run_at` to its start plus the job's interval; a run that fails is logged (its
error's type only: a message may quote personal data) and left due, so the next tick,
this worker's or another's, tries again; a worker that dies mid-run leaves the job to
the others once the lease ends. A job runs at least once per interval and may run twice
when a run outlives its lease, which is why only idempotent jobs are scheduled here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

import db
from models import scheduled_jobs
from models.scheduled_jobs import ScheduledJob
from services import retention
from settings import Settings

log = logging.getLogger("backline.scheduler")
# How long a run holds its job before another worker may take it over: longer than a
# purge takes, short enough that a dead worker delays erasure by no more than this.
LEASE = timedelta(hours=1)
# How often a worker asks whether a job is due: one UPDATE that mostly matches nothing.
TICK_SECONDS = 60.0
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Job:
    name: str
    interval: timedelta
    run: Callable[[], Awaitable[object]]


def jobs_for(settings: Settings) -> list[Job]:
    """The jobs these settings turn on: PURGE_INTERVAL_HOURS = 0 leaves purge to cron."""
    if not settings.purge_interval_hours:
        return []

    async def purge() -> retention.PurgeReport:
        return await retention.purge_as_configured(settings)

    return [Job("purge", timedelta(hours=settings.purge_interval_hours), purge)]


def _now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self, settings: Settings, *, jobs: list[Job] | None = None, clock: Clock = _now
    ) -> None:
        self.settings = settings
        self.jobs = jobs_for(settings) if jobs is None else jobs
        self.clock = clock
        self.outage: str | None = None

    async def tick(self) -> list[str]:
        """Runs every job due now that no other worker took first; returns the names of
        those that ran and succeeded."""
        done = []
        for job in self.jobs:
            if await self._run_if_due(job):
                done.append(job.name)
        return done

    async def _run_if_due(self, job: Job) -> bool:
        started = self.clock()
        await _ensure(job.name, started)
        if not await scheduled_jobs.claim(job.name, started, started + LEASE):
            return False
        ours = ScheduledJob.filter(name=job.name, last_started_at=started)
        try:
            result = await job.run()
        except asyncio.CancelledError:
            # The worker is stopping: the run is left due, for whichever worker ticks next.
            await ours.update(next_run_at=started)
            raise
        except Exception as error:
            log.error(
                "scheduler: %s failed: %s; tried again next tick", job.name, type(error).__name__
            )
            # Due again at once; only while the run is still ours.
            await ours.update(next_run_at=started, last_error=type(error).__name__[:200])
            return False
        await ours.update(
            next_run_at=started + job.interval, last_finished_at=self.clock(), last_error=None
        )
        log.info("scheduler: %s done: %s", job.name, result)
        return True

    async def run(self, stop: asyncio.Event, tick_seconds: float = TICK_SECONDS) -> None:
        """Ticks until `stop` is set. Nothing stops it (nor the mail worker it runs
        beside): a database that does not answer is waited for, any other fault is
        logged, and the next tick tries again."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception as error:
                reason = db.unavailable(error)
                if reason is None:
                    log.error("scheduler: tick failed: %s", type(error).__name__)
                elif self.outage is None:
                    log.warning("scheduler: database %s; trying again each tick", reason)
                self.outage = reason
            else:
                if self.outage is not None:
                    log.warning("scheduler: the database answers again")
                self.outage = None
            try:
                await asyncio.wait_for(stop.wait(), timeout=tick_seconds)
            except TimeoutError:
                pass


async def _ensure(name: str, now: datetime) -> None:
    """A job's row, made due at once the first time any worker ticks."""
    if await ScheduledJob.exists(name=name):
        return
    try:
        await ScheduledJob.create(name=name, next_run_at=now)
    except IntegrityError:
        pass  # another worker made it first
