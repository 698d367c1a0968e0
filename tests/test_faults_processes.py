"""The fault suite's scenarios (bench/faults/), each on real processes on loopback (the
API server, mail workers, aiosmtpd, and a PostgreSQL and a redis-server of their own),
with small numbers. The two fast ones run with every test run; the slow ones run with
`pytest -m slow tests/test_faults_processes.py`, and all of them at full size with
`python -m bench.faults`."""

from __future__ import annotations

import subprocess

import pytest

from bench.faults import (
    database_restart,
    mail_server,
    redis_gone,
    shutdown,
    sqlite_disk,
    worker_kill,
)
from bench.faults.processes import PYTHON, ROOT, Unavailable, base_env, free_port
from bench.faults.report import Result
from tests.conftest import POSTGRES_URL

# They start servers of their own and need no test database: once per CI run is enough.
once = pytest.mark.skipif(bool(POSTGRES_URL), reason="runs in the SQLite pass")


def verdict(result: Result) -> None:
    if result.skipped:
        pytest.skip(result.skipped)
    assert result.passed, result.line()


@once
async def test_sigterm_lets_requests_in_flight_finish_and_writes_the_request_log():
    verdict(await shutdown.api(load_seconds=1.0, loops=6, workers=1))


@once
async def test_sigterm_mid_batch_sends_the_mail_in_flight_and_gives_the_rest_back():
    verdict(await shutdown.worker(count=40))


@once
async def test_a_second_sigterm_stops_the_worker_at_once():
    verdict(await shutdown.worker_forced(count=10))


@once
def test_worker_once_without_its_database_says_so_in_one_line():
    env = base_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere")
    done = subprocess.run(
        [PYTHON, "main.py", "worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "mail: database unreachable; try again later"
    assert "Traceback" not in done.stderr


def test_serve_lets_requests_in_flight_finish_for_graceful_shutdown_seconds(monkeypatch):
    import uvicorn

    import cli
    from settings import get_settings

    given = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: given.update(kwargs))
    monkeypatch.setenv("GRACEFUL_SHUTDOWN_SECONDS", "12.5")
    get_settings.cache_clear()
    try:
        cli.main(["serve", "--port", "8123"])
    finally:
        get_settings.cache_clear()
    assert given["timeout_graceful_shutdown"] == 12.5


@pytest.mark.slow
async def test_sigterm_to_two_api_workers_on_postgresql():
    try:
        verdict(await shutdown.api(load_seconds=1.0, loops=6, workers=2))
    except Unavailable as missing:
        pytest.skip(str(missing))


@pytest.mark.slow
async def test_the_mail_server_down_slow_or_refusing_loses_no_mail():
    for result in await mail_server.run(count=60, fault_seconds=1.5):
        verdict(result)


@pytest.mark.slow
async def test_workers_killed_mid_batch_lose_no_mail_and_send_at_most_one_twice_per_kill():
    try:
        verdict(await worker_kill.run(count=400, kills=3))
    except Unavailable as missing:
        pytest.skip(str(missing))


@pytest.mark.slow
async def test_postgresql_restarted_under_load():
    try:
        verdict(await database_restart.run(outage_seconds=3, before=1.5, after=4))
    except Unavailable as missing:
        pytest.skip(str(missing))


@pytest.mark.slow
async def test_redis_gone_under_two_api_workers():
    try:
        verdict(await redis_gone.run())
    except Unavailable as missing:
        pytest.skip(str(missing))


@pytest.mark.slow
async def test_a_full_disk_and_a_read_only_file_under_a_real_server():
    verdict(await sqlite_disk.run(attempts=3))
