"""The daily purge runs by itself, once across every worker (services/scheduler.py):
a conditional UPDATE on the job's row lets one worker take each due run. Time is an
injected clock: nothing here waits for the schedule."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

import db
from models.accounts import Account
from models.audit import AuditAction, AuditEvent
from models.referrals import ReferralMemory
from models.scheduled_jobs import ScheduledJob
from services import scheduler
from services.scheduler import LEASE, Job, Scheduler
from tests import factories
from tests.test_purge import cancelled

DAY = timedelta(hours=24)
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


class Counted:
    """A job that counts its runs, yielding to the other workers while it runs, and
    fails as often as told to first."""

    def __init__(self, failures: int = 0) -> None:
        self.runs = 0
        self.failures = failures

    async def __call__(self) -> str:
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the database said something about ada@example.com")
        self.runs += 1
        return "done"


def workers(settings, job: Counted, clock: Clock, count: int = 2) -> list[Scheduler]:
    return [Scheduler(settings, jobs=[Job("purge", DAY, job)], clock=clock) for _ in range(count)]


async def test_the_purge_runs_by_itself_and_once_when_two_workers_race(settings):
    # given Ada, cancelled past the retention period, and two workers with the default
    # settings (PURGE_INTERVAL_HOURS=24)
    ada = await factories.customer()
    await cancelled(ada, days_ago=settings.retention_days + 1)
    assert settings.purge_interval_hours == 24
    first, second = Scheduler(settings), Scheduler(settings)
    # when both tick at the same moment
    done = await asyncio.gather(first.tick(), second.tick())
    # then one of them ran the purge, which erased her once
    assert sorted(done) == [[], ["purge"]]
    assert not await Account.exists(id=ada.account.id)
    assert await AuditEvent.filter(action=AuditAction.ACCOUNT_ERASED).count() == 1
    job = await ScheduledJob.get(name="purge")
    assert job.next_run_at - job.last_started_at == DAY
    assert job.last_finished_at is not None and job.last_error is None


async def test_many_workers_racing_run_the_job_once(settings):
    job, clock = Counted(), Clock()
    crowd = workers(settings, job, clock, count=5)
    await asyncio.gather(*(worker.tick() for worker in crowd))
    assert job.runs == 1
    # and again at the next tick of every one of them: nothing new is due
    clock.advance(timedelta(minutes=1))
    await asyncio.gather(*(worker.tick() for worker in crowd))
    assert job.runs == 1


async def test_it_runs_again_once_the_interval_has_passed_and_not_before(settings):
    job, clock = Counted(), Clock()
    first, second = workers(settings, job, clock)
    await first.tick()
    clock.advance(DAY - timedelta(seconds=1))
    await first.tick()
    await second.tick()
    assert job.runs == 1
    clock.advance(timedelta(seconds=1))
    assert await second.tick() == ["purge"]
    assert await first.tick() == []
    assert job.runs == 2


async def test_a_failed_run_is_logged_and_tried_again_at_the_next_tick(settings, caplog):
    caplog.set_level(logging.INFO, logger="backline.scheduler")
    job, clock = Counted(failures=1), Clock()
    first, second = workers(settings, job, clock)
    # when the run fails
    assert await first.tick() == []
    # then it is logged by the type of its error only (its message may quote data)
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "purge failed: RuntimeError" in failure.getMessage()
    assert "ada@example.com" not in caplog.text
    row = await ScheduledJob.get(name="purge")
    assert (row.last_error, row.next_run_at) == ("RuntimeError", START)
    # and the next tick, of any worker, runs it again
    clock.advance(timedelta(minutes=1))
    assert await second.tick() == ["purge"]
    assert job.runs == 1
    row = await ScheduledJob.get(name="purge")
    assert (row.last_error, row.next_run_at) == (None, START + timedelta(minutes=1) + DAY)


async def test_a_run_left_by_a_worker_that_died_is_taken_over_when_its_lease_ends(settings):
    job, clock = Counted(), Clock()
    survivor = workers(settings, job, clock, count=1)[0]
    # given a worker that took the run, then died before finishing it
    await ScheduledJob.create(name="purge", next_run_at=START + LEASE, last_started_at=START)
    # then nobody runs it while its lease holds, and someone does once it ends
    clock.advance(LEASE - timedelta(seconds=1))
    assert await survivor.tick() == []
    clock.advance(timedelta(seconds=1))
    assert await survivor.tick() == ["purge"]


async def test_a_stopping_worker_leaves_its_run_due_for_the_next(settings):
    started, never = asyncio.Event(), asyncio.Event()

    async def long_purge() -> None:
        started.set()
        await never.wait()

    clock = Clock()
    stopping = Scheduler(settings, jobs=[Job("purge", DAY, long_purge)], clock=clock)
    task = asyncio.create_task(stopping.run(asyncio.Event()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await ScheduledJob.get(name="purge")).next_run_at == START


async def test_an_interval_of_zero_leaves_the_purge_to_cron(settings):
    ada = await factories.customer()
    await cancelled(ada, days_ago=settings.retention_days + 1)
    off = settings.model_copy(update={"purge_interval_hours": 0})
    assert scheduler.jobs_for(off) == []
    assert await Scheduler(off).tick() == []
    assert await Account.exists(id=ada.account.id)
    assert [job.interval for job in scheduler.jobs_for(settings)] == [DAY]


async def test_the_interval_setting_refuses_a_negative_value():
    from pydantic import ValidationError

    from settings import Settings

    with pytest.raises(ValidationError, match="purge_interval_hours"):
        Settings(purge_interval_hours=-1)


async def test_the_daily_run_purges_everything_the_purge_command_does(settings):
    # given an invitation remembered past REFERRAL_MEMORY_DAYS (the newest log purge
    # knows of), and one remembered today
    ada = await factories.customer()
    old = await ReferralMemory.create(sender_id=ada.account.id, sender_digest="a" * 64)
    await ReferralMemory.filter(id=old.id).update(
        created_at=datetime.now(UTC) - timedelta(days=settings.referral_memory_days + 1)
    )
    await ReferralMemory.create(sender_id=ada.account.id, sender_digest="b" * 64)
    # when the worker's scheduler runs the purge with the default settings
    assert await Scheduler(settings).tick() == ["purge"]
    # then the old one is forgotten, as `python main.py purge` would
    assert await ReferralMemory.all().values_list("sender_digest", flat=True) == ["b" * 64]


class Ticks:
    """Stands in for Scheduler.tick: raises or answers as scripted, then sets `stop`."""

    def __init__(self, script: list[BaseException | None], stop: asyncio.Event) -> None:
        self.script, self.stop, self.calls = list(script), stop, 0

    async def __call__(self) -> list[str]:
        self.calls += 1
        step = self.script.pop(0)
        if not self.script:
            self.stop.set()
        if step is not None:
            raise step
        return []


async def test_the_loop_outlives_an_outage_and_a_fault_and_says_each_once(
    settings, caplog, monkeypatch
):
    caplog.set_level(logging.INFO, logger="backline.scheduler")
    stop = asyncio.Event()
    worker = Scheduler(settings, jobs=[])
    # given ticks that meet the database down twice, then a bug, then a database back up
    ticks = Ticks(
        [db.Unavailable(db.UNREACHABLE), db.Unavailable(db.UNREACHABLE), RuntimeError("x"),
         db.Unavailable(db.BUSY), None],
        stop,
    )  # fmt: skip
    monkeypatch.setattr(worker, "tick", ticks)
    # when the loop runs until stopped
    await asyncio.wait_for(worker.run(stop, tick_seconds=0), timeout=10)
    # then every tick ran: no fault ended the loop
    assert ticks.calls == 5
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "backline.scheduler"]
    # and the outage was said once, not once a tick; the bug by its type; the return once
    assert said == [
        (logging.WARNING, "scheduler: database unreachable; trying again each tick"),
        (logging.ERROR, "scheduler: tick failed: RuntimeError"),
        (logging.WARNING, "scheduler: database busy; trying again each tick"),
        (logging.WARNING, "scheduler: the database answers again"),
    ]
    assert worker.outage is None


async def test_the_loop_waits_between_ticks_and_stops_when_told(settings, monkeypatch):
    stop = asyncio.Event()
    worker = Scheduler(settings, jobs=[])
    ticks = Ticks([None, None, None], asyncio.Event())
    monkeypatch.setattr(worker, "tick", ticks)
    # when the loop runs with a long tick
    task = asyncio.create_task(worker.run(stop, tick_seconds=30))
    for _ in range(20):
        await asyncio.sleep(0)
    # then it ticked once and waits, rather than ticking in a busy loop
    assert ticks.calls == 1
    # and being told to stop ends it at once, without another tick
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert ticks.calls == 1


async def test_a_short_tick_runs_again_without_being_told(settings, monkeypatch):
    stop = asyncio.Event()
    worker = Scheduler(settings, jobs=[])
    ticks = Ticks([None, None, None], stop)
    monkeypatch.setattr(worker, "tick", ticks)
    await asyncio.wait_for(worker.run(stop, tick_seconds=0.01), timeout=10)
    assert ticks.calls == 3


async def test_a_run_writes_its_outcome_on_its_own_job_only(settings, caplog):
    caplog.set_level(logging.INFO, logger="backline.scheduler")
    clock = Clock()

    async def fails() -> None:
        raise type("E" * 250, (Exception,), {})()

    # given two jobs due at one instant, the first failing with an error type of a long name
    both = Scheduler(
        settings, jobs=[Job("first", DAY, fails), Job("second", DAY, Counted())], clock=clock
    )
    # when one tick runs both
    assert await both.tick() == ["second"]
    first, second = await ScheduledJob.get(name="first"), await ScheduledJob.get(name="second")
    # then the failure stays on the first (due again, its error's type cut to the column),
    # and the success on the second: neither outcome is written on the other's row
    assert (first.next_run_at, first.last_error, first.last_finished_at) == (START, "E" * 200, None)
    assert (second.next_run_at, second.last_error) == (START + DAY, None)
    # and each is logged as itself
    said = [r.getMessage() for r in caplog.records if r.name == "backline.scheduler"]
    assert said == [
        f"scheduler: first failed: {'E' * 250}; tried again next tick",
        "scheduler: second done: done",
    ]


async def test_a_run_that_outlived_its_lease_does_not_write_over_the_run_that_took_over(
    settings,
):
    clock, release, started = Clock(), asyncio.Event(), asyncio.Event()
    runs = []

    async def slow_then_quick() -> None:
        runs.append(clock())
        if len(runs) == 1:
            started.set()
            await release.wait()

    first, second = (
        Scheduler(settings, jobs=[Job("purge", DAY, slow_then_quick)], clock=clock)
        for _ in range(2)
    )
    # given a run that outlives its lease, and another worker that takes the job over
    slow = asyncio.create_task(first.tick())
    await started.wait()
    clock.advance(LEASE)
    assert await second.tick() == ["purge"]
    # when the slow run ends at last
    release.set()
    assert await slow == ["purge"]
    # then the job is due one interval after the run that took over, not after the slow one
    assert (await ScheduledJob.get(name="purge")).next_run_at == START + LEASE + DAY
