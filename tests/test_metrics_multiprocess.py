"""/metrics of a server with several uvicorn workers: one scrape counts the requests every
worker served (prometheus-client's multiprocess mode, set up by `python main.py serve`),
the token check still holds, and a stopped worker's live gauges leave the shared folder.
One worker keeps its metrics in memory, as the in-process tests do."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet
from prometheus_client.multiprocess import MultiProcessCollector

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
METRICS_TOKEN = "multiprocess-metrics-token-0123456789"  # noqa: S105 (test data)
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
BOTH_WORKERS_DEADLINE = 120.0


def database_url(migrated_template: str, folder: Path) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    copy = folder / "metrics.sqlite3"
    shutil.copyfile(migrated_template, copy)
    return f"sqlite://{copy}"


@contextmanager
def serve(
    workers: int, url: str, folder: Path, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = port or free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in {"APP_ENV", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"}
    }
    env |= {
        "APP_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "s" * 48,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "METRICS_TOKEN": METRICS_TOKEN,
        "RATE_LIMIT_KEY_PREFIX": f"metrics-{port}",
    }
    if workers > 1:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(folder / "prometheus")
    log = folder / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "serve", "--port", str(port)]
        + ["--workers", str(workers)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    # Spawned workers import the whole app: slow on a busy machine.
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)  # noqa: S310 (loopback)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: {log.read_text()}") from None
                time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)  # noqa: S310 (loopback)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def healthz_count(scrape: str) -> float:
    found = re.findall(
        r'^backline_requests_total\{operation="/healthz",outcome="ok"\} (\S+)$', scrape, re.M
    )
    assert len(found) == 1, scrape  # one merged series, not one per worker
    return float(found[0])


def counts_by_worker(folder: Path) -> dict[int, float]:
    """What each worker's own file says it served (the scrape must add these up)."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        for metric in MultiProcessCollector.merge([str(path)], accumulate=False):
            for sample in metric.samples:
                if sample.name == "backline_requests_total" and sample.labels == {
                    "operation": "/healthz",
                    "outcome": "ok",
                }:
                    counts[pid] = sample.value
    return counts


def test_one_scrape_counts_the_requests_of_every_worker(migrated_template, tmp_path) -> None:
    url = database_url(migrated_template, tmp_path)
    stale = tmp_path / "prometheus"
    with serve(2, url, tmp_path) as (base, process):
        folder = Path(stale) / base.rsplit(":", 1)[1]
        # Fresh connections from several threads, until both workers have served some:
        # which worker accepts a connection is the kernel's choice, and on a busy machine
        # one may take hundreds in a row, so the bound is a generous time, not a count.
        sent = 0
        deadline = time.monotonic() + BOTH_WORKERS_DEADLINE
        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(counts_by_worker(folder)) < 2 and time.monotonic() < deadline:
                statuses = list(pool.map(lambda _: get(f"{base}/healthz")[0], range(80)))
                assert statuses == [200] * 80
                sent += 80
        by_worker = counts_by_worker(folder)
        assert len(by_worker) == 2, (
            f"waited {BOTH_WORKERS_DEADLINE:.0f} s for both workers to serve: {sent} requests, "
            f"served by {by_worker}"
        )

        # A worker counts a request just after its answer is sent, so the last counts
        # may land between two reads: scrape until the scrape and the files agree.
        deadline = time.monotonic() + 30
        while True:
            status, scrape = get(f"{base}/metrics", METRICS_TOKEN)
            by_worker = counts_by_worker(folder)
            if healthz_count(scrape) == sum(by_worker.values()) or time.monotonic() > deadline:
                break
        anonymous, _ = get(f"{base}/metrics")
        wrong, _ = get(f"{base}/metrics", METRICS_TOKEN[:-1] + "x")

        # then two workers served the requests (and the start-up probes), and one scrape
        # counts what both did
        assert len(by_worker) == 2 and all(count > 0 for count in by_worker.values()), by_worker
        assert status == 200 and healthz_count(scrape) == sum(by_worker.values()) >= sent
        # the token check holds in multiprocess mode too
        assert (anonymous, wrong) == (401, 401)
        # the outbox gauge is one series per state, whichever worker set it
        assert len(re.findall(r'^backline_outbox_mails\{state="QUEUED"\} ', scrape, re.M)) == 1
        # and a second scrape (maybe by the other worker) sees the same totals
        assert healthz_count(get(f"{base}/metrics", METRICS_TOKEN)[1]) == healthz_count(scrape)
        assert list(folder.glob("gauge_livemostrecent_*.db"))

        process.terminate()
        process.wait(timeout=30)
    # A stopped worker's live gauge leaves the folder; its counts stay for the totals.
    assert not list(folder.glob("gauge_livemostrecent_*.db"))
    assert len(list(folder.glob("counter_*.db"))) == 2


def test_each_start_begins_with_an_empty_folder_and_requests_never_need_it(
    migrated_template, tmp_path
) -> None:
    url = database_url(migrated_template, tmp_path)
    port = free_port()
    folder = tmp_path / "prometheus" / str(port)
    folder.mkdir(parents=True)
    (folder / "counter_1.db").write_bytes(b"left by an earlier run")
    other_server = tmp_path / "prometheus" / "1"
    other_server.mkdir()
    (other_server / "counter_2.db").write_bytes(b"another server's")

    with serve(2, url, tmp_path, port) as (base, _):
        # the earlier run's file is gone (read, it would break every scrape)
        assert not (folder / "counter_1.db").exists()
        status, scrape = get(f"{base}/metrics", METRICS_TOKEN)
        assert status == 200 and healthz_count(scrape) < 10  # this run's start-up probes

        # A temp-folder cleaner removes the folder under the running server: requests
        # still succeed (uncounted), whichever worker takes them.
        shutil.rmtree(folder)
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: get(f"{base}/readyz")[0], range(40)))
        assert statuses == [200] * 40
    # another port's folder is left alone
    assert (other_server / "counter_2.db").exists()


def test_one_worker_keeps_its_metrics_in_memory(migrated_template, tmp_path) -> None:
    url = database_url(migrated_template, tmp_path)
    with serve(1, url, tmp_path) as (base, _):
        before = healthz_count(get(f"{base}/metrics", METRICS_TOKEN)[1])
        for _ in range(5):
            assert get(f"{base}/healthz")[0] == 200
        status, scrape = get(f"{base}/metrics", METRICS_TOKEN)
    assert status == 200 and healthz_count(scrape) == before + 5
    assert not (tmp_path / "prometheus").exists()
