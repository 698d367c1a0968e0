#!/usr/bin/env python3
"""Development entry point that needs nothing but Python 3.11+.

    python3 dev.py serve         # the API on SQLite with demo data, GraphiQL at /graphql
    python3 dev.py serve --mail  # the same, plus the mail worker and a local mail sink
                                 # (aiosmtpd on 127.0.0.1:1025) that prints every mail
    python3 dev.py test          # the whole test suite (extra arguments go to pytest)

Each creates .venv and installs the project into it on first use, and again whenever
pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".backline-installed"
# SMTP_PORT's default, what a plain `main.py worker` sends to.
MAIL_SINK_PORT = int(os.environ.get("DEV_MAIL_SINK_PORT", "1025"))


def ensure_environment() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("dev.py: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    print("dev.py: installing dependencies into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for step in (["--upgrade", "pip"], ["--editable", f"{ROOT}[test]"]):
        if subprocess.run([*pip, *step]).returncode:
            sys.exit(f"dev.py: `pip install {' '.join(step)}` failed; see its output above")
    STAMP.write_text(wanted)


def run(*args: str) -> None:
    completed = subprocess.run([str(PYTHON), *args], cwd=ROOT)
    if completed.returncode:
        sys.exit(completed.returncode)


def serve(rest: list[str]) -> None:
    mail = "--mail" in rest
    rest = [arg for arg in rest if arg != "--mail"]
    run("main.py", "migrate")
    run("main.py", "seed-demo")
    port = rest[rest.index("--port") + 1] if "--port" in rest[:-1] else "8000"
    # Links in mail lead to this server, whatever its port.
    os.environ.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
    print(f"dev.py: GraphiQL at http://127.0.0.1:{port}/graphql", flush=True)
    helpers: list[subprocess.Popen] = []
    if mail:
        sink = [str(PYTHON), __file__, "mail-sink"]
        helpers.append(subprocess.Popen(sink, cwd=ROOT))
        worker_env = os.environ | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(MAIL_SINK_PORT)}
        helpers.append(
            subprocess.Popen([str(PYTHON), "main.py", "worker"], cwd=ROOT, env=worker_env)
        )
        print(
            f"dev.py: the worker sends mail to a sink on 127.0.0.1:{MAIL_SINK_PORT}: "
            "each mail is printed here",
            flush=True,
        )
    else:
        print(
            "dev.py: mail waits in the outbox; `python3 dev.py serve --mail` sends it to a "
            "local sink that prints it",
            flush=True,
        )
    try:
        run("main.py", "serve", *rest)
    finally:
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            helper.wait(timeout=30)


def mail_sink() -> None:
    """Runs in .venv: an SMTP server (aiosmtpd, SMTPUTF8 on) that prints each mail it
    receives as a person reads it: who to, the subject, the plain-text part."""
    import asyncio
    import email
    from email import policy

    from aiosmtpd.controller import Controller

    class Printer:
        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else "(no text part)"
            rule = "-" * 72
            print(
                f"{rule}\nmail to {message['To']}\nsubject: {message['Subject']}\n\n"
                f"{text.rstrip()}\n{rule}",
                flush=True,
            )
            return "250 OK"

    controller = Controller(
        Printer(), hostname="127.0.0.1", port=MAIL_SINK_PORT, enable_SMTPUTF8=True
    )
    controller.start()
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "mail-sink":  # started by `serve --mail`, inside .venv
        mail_sink()
        return
    if command not in {"serve", "test"}:
        sys.exit(__doc__)
    ensure_environment()
    if command == "serve":
        serve(rest)
    else:
        # One pytest worker per core (pytest-xdist) unless the caller chose: each test
        # has a database of its own, so they do not wait for one another.
        parallel = (
            [] if any(arg.startswith(("-n", "--numprocesses")) for arg in rest) else ["-n", "auto"]
        )
        run("-m", "pytest", *parallel, *rest)


if __name__ == "__main__":
    main()
