"""Disk trouble under SQLite: the API server's database file lives on a small tmpfs of
this scenario's own; the disk is filled up, then freed; then the file is made read-only
(chattr +i) and the server restarted on it, then writable again. Registrations go on
throughout.

Verdict: while the disk is full or read-only a registration answers 503 with one
GraphQL error, code SERVICE_UNAVAILABLE (never a 500), and leaves nothing behind: every
account in the database has its preferences, its four consent entries, its welcome
mail and its session (a registration is all or nothing); reads still answer; once the
disk has room again, registrations succeed with no restart (a read-only file is seen
when the server opens it, so there a restart follows the fix).

Needs root (mount, chattr); skipped otherwise (tests/test_faults_sqlite.py covers the same
rule in-process with SQLite's own limits, which need nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import httpx

from bench.faults import database
from bench.faults.load import CONSENTS, REGISTER, classify
from bench.faults.processes import ApiServer, base_env, keep, migrate
from bench.faults.report import Result

DIRECTORY = "query Directory { listings(first: 5) { edges { node { id } } } }"
TMPFS_SIZE = "24m"


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


def unmount(disk: Path) -> None:
    subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=30)


def chattr(flag: str, path: Path) -> None:
    subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True, timeout=30)


def fill(folder: Path) -> Path:
    """Writes a file until the disk refuses another byte."""
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(descriptor, b"\0" * size)
    finally:
        os.close(descriptor)
    return filler


async def register(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post(
        "/graphql",
        json={
            "query": REGISTER,
            "variables": {
                "input": {
                    "name": "Disk Test",
                    "email": email,
                    "password": "a long enough password",
                    "role": "CUSTOMER",
                    "consents": CONSENTS,
                }
            },
        },
    )
    outcome = classify(response)
    if outcome == "ok":
        return response.json()["data"]["register"]["__typename"]
    return outcome


async def incomplete_accounts(url: str) -> int:
    """Accounts missing a part of what registration writes in its one transaction."""
    return await database.value(
        url,
        "SELECT COUNT(*) FROM account a WHERE "
        "NOT EXISTS (SELECT 1 FROM privacy_preferences p WHERE p.account_id = a.id) "
        "OR (SELECT COUNT(*) FROM consent_event c WHERE c.account_id = a.id) < 4 "
        "OR NOT EXISTS (SELECT 1 FROM outbound_email o WHERE o.recipient_id = a.id) "
        "OR NOT EXISTS (SELECT 1 FROM session s WHERE s.account_id = a.id)",
    )


async def run(attempts: int = 5) -> Result:
    result = Result("sqlite disk full / read-only")
    if os.geteuid() != 0:
        result.skipped = "needs root to mount a tmpfs"
        return result
    folder = Path(tempfile.mkdtemp(prefix="backline-faults-disk-"))
    disk = folder / "disk"
    disk.mkdir()
    try:
        mount("-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(disk))
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        result.skipped = f"cannot mount a tmpfs: {error}"
        keep(folder)
        return result
    url = f"sqlite://{disk / 'app.sqlite3'}"
    answers: dict[str, Counter[str]] = {}
    try:
        env = base_env(
            DATABASE_URL=url,
            RATE_LIMIT_REGISTER_PER_IP="100000/hour",
            REQUEST_LOG_FLUSH_SECONDS="0",
        )
        await asyncio.to_thread(migrate, env)
        log = folder / "api.log"

        async def phase(server: ApiServer, name: str) -> None:
            seen = Counter()
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                for n in range(attempts):
                    seen[await register(client, f"{name}-{n}@example.com")] += 1
                read = await client.post("/graphql", json={"query": DIRECTORY})
                seen["read " + classify(read)] += 1
            answers[name] = seen

        server = await asyncio.to_thread(ApiServer(env, log).start)
        try:
            await phase(server, "before")
            filler = fill(disk)
            await phase(server, "full")
            filler.unlink()
            # No restart: the same server writes again once there is room.
            await phase(server, "freed")
        finally:
            server.stop()
        # A read-only file (immutable: chattr +i stops root too) is seen when the server
        # opens it; SQLite keeps that read-only handle, so writable again takes a restart.
        chattr("+i", disk / "app.sqlite3")
        try:
            server = await asyncio.to_thread(ApiServer(env, log).start)
            try:
                await phase(server, "read-only")
            finally:
                server.stop()
        finally:
            chattr("-i", disk / "app.sqlite3")
        server = await asyncio.to_thread(ApiServer(env, log).start)
        try:
            await phase(server, "writable")
        finally:
            server.stop()
        log = log.read_text(errors="replace")
        incomplete = await incomplete_accounts(url)
        accounts = await database.value(url, "SELECT COUNT(*) FROM account")
    finally:
        await asyncio.to_thread(unmount, disk)
        keep(folder)
    ok = "AuthPayload"
    refused = "503 SERVICE_UNAVAILABLE"
    confirmed = sum(seen[ok] for seen in answers.values())
    result.figures = {
        "full": _brief(answers["full"]),
        "read-only": _brief(answers["read-only"]),
        "after": _brief(answers["writable"]),
        "accounts": accounts,
        "partial": incomplete,
    }
    for name in ("full", "read-only"):
        seen = answers[name]
        result.expect(seen[refused] > 0, f"{name}: no 503 ({dict(seen)})")
        others = {k: v for k, v in seen.items() if k not in (ok, refused, "read ok")}
        result.expect(not others, f"{name}: other answers {others}")
        result.expect(seen["read ok"] == 1, f"{name}: the read failed ({dict(seen)})")
    for name in ("before", "freed", "writable"):
        result.expect(answers[name][ok] == attempts, f"{name}: {dict(answers[name])}")
    result.expect(incomplete == 0, f"{incomplete} account(s) registered in part")
    result.expect(accounts == confirmed, f"{accounts} accounts, {confirmed} confirmed")
    result.expect("Exception in ASGI application" not in log, "a 500 in the log")
    return result


def _brief(seen: Counter[str]) -> str:
    return "/".join(
        f"{count} {name.replace('503 SERVICE_UNAVAILABLE', '503')}"
        for name, count in sorted(seen.items())
    )
