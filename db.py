"""The database: Tortoise configuration, connection lifetime and migrations."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.executor import MigrationExecutor

import encryption
from settings import Settings, get_settings

MODEL_MODULES = [
    "models.policies",
    "models.accounts",
    "models.listings",
    "models.sharing",
    "models.api_keys",
    "models.audit",
    "models.outbox",
    "models.testimonials",
    "models.retention",
    "models.public_version",
]
APP_LABEL = "models"


def tortoise_config(database_url: str) -> dict[str, Any]:
    connection: str | dict[str, Any] = database_url
    if database_url.startswith("sqlite://"):
        # Erased rows must not linger in free pages: secure_delete overwrites them.
        connection = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": database_url.removeprefix("sqlite://"),
                "secure_delete": "ON",
                "busy_timeout": 5000,
            },
        }
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # Tortoise's own CLI (`tortoise makemigrations`) reads db.TORTOISE_ORM; computed on
    # access so that importing this module does not read the environment.
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings().database_url)
    raise AttributeError(name)


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[TortoiseContext]:
    """Connects for the lifetime of the block.

    The global fallback lets requests, which run in other tasks than the lifespan,
    find the connection.
    """
    encryption.configure(settings.fernet_keys())
    context = await Tortoise.init(
        config=tortoise_config(settings.database_url), _enable_global_fallback=True
    )
    try:
        yield context
    finally:
        await context.close_connections()


async def apply_migrations(database_url: str) -> list[str]:
    """Applies every migration not yet applied (inside a `database` block); returns
    the names it applied."""
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)

    apps = tortoise_config(database_url)["apps"]
    await MigrationExecutor(get_connection("default"), apps).migrate(progress=progress)
    return applied
