#!/usr/bin/env python3
"""Development entry point that needs nothing but Python 3.11+.

    python3 dev.py serve     # the API on SQLite with demo data, GraphiQL at /graphql
    python3 dev.py test      # the whole test suite (extra arguments go to pytest)

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


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command not in {"serve", "test"}:
        sys.exit(__doc__)
    ensure_environment()
    if command == "serve":
        run("main.py", "migrate")
        run("main.py", "seed-demo")
        print("dev.py: GraphiQL at http://127.0.0.1:8000/graphql", flush=True)
        run("main.py", "serve", *rest)
    else:
        run("-m", "pytest", *rest)


if __name__ == "__main__":
    main()
