"""The processes a fault scenario starts, breaks and restarts: a PostgreSQL cluster and a
redis-server of its own (never the machine's shared ones, which other tests use), the
API server (`python main.py serve`) and mail workers (`python main.py worker`). All on
loopback, on free ports, in a temporary folder removed at the end."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
POSTGRES_BIN = Path(os.environ.get("FAULTS_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SECRET_KEY = "faults-secret-key-for-loopback-tests-0123456789"


class Unavailable(RuntimeError):
    """A tool the scenario needs is missing (initdb, redis-server, mount)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def keep(folder: Path) -> None:
    """Removes a scenario's folder, unless FAULTS_KEEP is set (its logs, to read)."""
    if os.environ.get("FAULTS_KEEP"):
        print(f"kept {folder}", file=sys.stderr)
        return
    shutil.rmtree(folder, ignore_errors=True)


def base_env(**settings: str) -> dict[str, str]:
    """The environment of a Backline process: this one's, without settings of the
    machine that would point it at shared servers."""
    drop = {"DATABASE_URL", "REDIS_URL", "APP_ENV", "PROMETHEUS_MULTIPROC_DIR", "TEST_DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k.upper() not in drop}
    return (
        env
        | {
            "APP_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
            "LOG_FORMAT": "text",
            "PUBLIC_URL": "http://faults.test",
        }
        | settings
    )


class PrivatePostgres:
    """initdb into a temporary folder and pg_ctl on a free port; stop() and start() are
    the faults. As root, the cluster runs as the `postgres` user (PostgreSQL refuses
    root)."""

    def __init__(self, database: str = "backline") -> None:
        if not (POSTGRES_BIN / "initdb").exists():
            raise Unavailable(f"no initdb in {POSTGRES_BIN} (set FAULTS_POSTGRES_BIN)")
        self.folder = Path(tempfile.mkdtemp(prefix="backline-faults-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = free_port()
        self.database = database
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self._as_owner, str(POSTGRES_BIN / tool), *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=100 -c shared_buffers=32MB"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """fast: sessions are ended and the server shuts down cleanly (a restart);
        immediate: it stops at once, as in a crash, and recovers from its WAL at start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def create_database(self) -> None:
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database
        )

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        self.start()
        self.create_database()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PrivateRedis:
    """A redis-server of its own, no persistence: kill() is the fault."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise Unavailable("no redis-server on PATH")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, "redis-server start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run(
        [PYTHON, "main.py", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"migrate failed:\n{done.stderr[-3000:]}")


class Process:
    """A `python main.py …` process whose output goes to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [PYTHON, "main.py", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.running:
            self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: nothing of the process runs again (no cleanup, no release)."""
        if self.running:
            self.process.kill()
        if self.process is not None:
            self.process.wait()

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
        if self.process is None:
            return None
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class ApiServer(Process):
    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        super().__init__(
            ["serve", "--port", str(self.port), "--workers", str(workers)],
            env | {"PUBLIC_URL": f"http://127.0.0.1:{self.port}"},
            log,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ApiServer:
        super().start()

        def up() -> bool:
            if not self.running:
                raise RuntimeError(f"the API server exited:\n{self.output()[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1)  # noqa: S310
                return True
            except OSError:
                return False

        wait_until(up, timeout, "API server start", interval=0.1)
        return self


class MailWorker(Process):
    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(["worker"], env, log)


async def sleep_until(check, within: float, interval: float = 0.05) -> float | None:
    """Seconds until `check()` (async) was true, or None if not within `within` s."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(interval)
    return None
