"""A real Backline server (uvicorn, SQLite, demo data) on a free loopback port, for
tests that need one: the browser tests and the documentation's examples."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "live-server-secret-key-for-tests-only-0123456789"
STAFF_EMAIL = "staff@docs.example"
STAFF_PASSWORD = "a staff password for the docs"  # noqa: S105 (test data)


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start(folder: Path) -> LiveServer:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"APP_ENV", "REDIS_URL"}}
    env |= {
        "DATABASE_URL": f"sqlite://{folder / 'live.sqlite3'}",
        "SECRET_KEY": SECRET_KEY,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "RATE_LIMIT_KEY_PREFIX": f"live-{port}",
        # The partner's webhook receiver of the docs' examples runs on loopback.
        "WEBHOOK_ALLOW_LOOPBACK": "true",
    }
    main = [sys.executable, str(ROOT / "main.py")]
    for command in ("migrate", "seed-demo"):
        subprocess.run([*main, command], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(
        [*main, "create-staff", "--email", STAFF_EMAIL, "--name", "Docs Staff", "--password-stdin"],
        input=f"{STAFF_PASSWORD}\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [*main, "serve", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)  # noqa: S310 (loopback)
            return LiveServer(url, env, process)
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the live server did not start")
