"""The committed schema.graphql is what the server serves, and keeps the contract."""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

from web.graphql_schema import schema

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_is_current():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == print_schema(schema).strip(), (
        "schema.graphql is stale: run "
        "`.venv/bin/strawberry export-schema web.graphql_schema:schema --output schema.graphql`"
    )
