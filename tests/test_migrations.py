"""The committed migrations describe the models exactly: a model change without its
migration fails here, not on a production deploy."""

from __future__ import annotations

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

import db


async def test_models_have_no_changes_missing_from_the_migrations():
    config = db.tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as context:
        await context.init(config=config)
        writers = await MigrationAutodetector(context.apps, config["apps"]).changes()
    assert [writer.name for writer in writers] == [], "run `tortoise makemigrations`"
