"""The command line, run as an operator would: in a fresh folder, on SQLite."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "APP_ENV"}}
    environment |= {"DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}", **env}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    result = run(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert "0001_initial" in result.stdout
    return tmp_path


def rows(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / "cli.sqlite3") as connection:
        return connection.execute(sql).fetchall()


def test_migrate_twice_applies_nothing_the_second_time(migrated):
    result = run(migrated, "migrate")
    assert result.returncode == 0
    assert "applied 0 migration(s)" in result.stdout


def test_seed_demo_is_idempotent(migrated):
    first = run(migrated, "seed-demo")
    assert first.returncode == 0, first.stderr
    listings = rows(
        migrated, "SELECT count(*), count(DISTINCT category), count(DISTINCT city) FROM listing"
    )
    second = run(migrated, "seed-demo")
    assert second.returncode == 0, second.stderr
    assert (
        rows(
            migrated, "SELECT count(*), count(DISTINCT category), count(DISTINCT city) FROM listing"
        )
        == listings
    )
    count, categories, cities = listings[0]
    assert count >= 5 and categories >= 3 and cities >= 3
    assert rows(migrated, "SELECT count(*) FROM account WHERE role = 'CUSTOMER'") == [(1,)]


def test_seed_demo_refuses_to_run_in_production(migrated):
    # given a production configuration
    production = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    # when an operator runs seed-demo, which makes accounts with a published password
    result = run(migrated, "seed-demo", **production)
    # then it refuses in one line, and creates nobody
    assert result.returncode != 0
    assert result.stderr.strip() == "backline: seed-demo refuses to run with APP_ENV=production"
    assert rows(migrated, "SELECT count(*) FROM account") == [(0,)]


def test_create_staff_reads_the_password_from_stdin(migrated):
    result = run(
        migrated,
        "create-staff",
        "--email",
        "Clerk@Example.com",
        "--name",
        "Clerk",
        "--password-stdin",
        stdin="a staff password\n",
    )
    assert result.returncode == 0, result.stderr
    assert rows(migrated, "SELECT email, role FROM account") == [("clerk@example.com", "STAFF")]
    assert "a staff password" not in str(rows(migrated, "SELECT password_hash FROM account"))


def test_create_staff_refuses_a_short_password_with_one_line(migrated):
    result = run(
        migrated,
        "create-staff",
        "--email",
        "c@example.com",
        "--name",
        "Clerk",
        "--password-stdin",
        stdin="short\n",
    )
    assert result.returncode != 0
    assert result.stderr.strip().startswith("create-staff: password:")
    assert rows(migrated, "SELECT count(*) FROM account") == [(0,)]


def test_a_bad_setting_stops_the_cli_with_one_line(tmp_path):
    result = run(tmp_path, "migrate", APP_ENV="production")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "backline: bad setting SECRET_KEY: must be set to at least 32 bytes when APP_ENV=production"
    )
