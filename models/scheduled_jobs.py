"""Jobs that run on a schedule, once across every worker process: one row per job,
holding when it is next due. A worker takes a due run by a conditional UPDATE that
moves `next_run_at` forward (services/scheduler.py): of any number of workers asking at
once, the database lets one UPDATE match, so one runs it."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model


class ScheduledJob(Model):
    name = fields.CharField(max_length=40, primary_key=True)
    # Due when this time has passed. While a run is under way it is the end of that
    # run's lease: a worker that died mid-run leaves the job to the others after it.
    next_run_at = fields.DatetimeField()
    last_started_at = fields.DatetimeField(null=True)
    last_finished_at = fields.DatetimeField(null=True)
    # The type of the last failure, never its message (which may quote personal data).
    last_error = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "scheduled_job"


async def claim(name: str, now: datetime, lease_until: datetime) -> bool:
    """Takes the job's run due at `now`, if no one else has: True for the one caller
    whose UPDATE matched."""
    taken = await ScheduledJob.filter(name=name, next_run_at__lte=now).update(
        next_run_at=lease_until, last_started_at=now
    )
    return taken == 1
