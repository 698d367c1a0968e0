"""The JSON Schema of the export format, derived from privacy/export.SECTIONS so that
the documentation cannot drift from the code: docs/export.schema.json is this output,
and tests/test_data_export.py checks both that the file is current and that a real
export validates against it.

    .venv/bin/python -m privacy.export_schema > docs/export.schema.json
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tortoise import fields as tortoise_fields
from tortoise.fields.base import Field as ModelField
from tortoise.models import Model

from privacy.export import FORMAT_NAME, FORMAT_VERSION, SECTIONS, Field, Section

SCHEMA_ID = f"https://backline.example/schemas/export/v{FORMAT_VERSION}.json"


def _model_field(model: type[Model], source: str) -> ModelField:
    *relations, name = source.split("__")
    for relation in relations:
        model = model._meta.fields_map[relation].related_model  # type: ignore[attr-defined]
    if name.endswith("_id") and name not in model._meta.fields_map:
        return model._meta.fields_map[name.removesuffix("_id")].to_field_instance  # type: ignore[attr-defined]
    return model._meta.fields_map[name]


def _json_type(field: ModelField) -> dict[str, Any]:
    if isinstance(field, tortoise_fields.BooleanField):
        described: dict[str, Any] = {"type": "boolean"}
    elif isinstance(field, tortoise_fields.DatetimeField):
        described = {"type": "string", "format": "date-time"}
    elif isinstance(field, tortoise_fields.JSONField):
        described = {"type": "object"}
    elif field.field_type is int:
        described = {"type": "integer"}
    elif getattr(field, "enum_type", None) is not None:
        described = {"type": "string", "enum": [member.value for member in field.enum_type]}  # type: ignore[attr-defined]
    else:
        described = {"type": "string"}
    return described


def _property(section: Section, field: Field) -> dict[str, Any]:
    model_field = _model_field(section.model, field.source)
    own_column = section.model._meta.fields_map.get(field.column.removesuffix("_id"))
    nullable = model_field.null or (own_column is not None and own_column.null)
    described = _json_type(model_field)
    if nullable:
        described["type"] = [described["type"], "null"]
        if "enum" in described:
            described["enum"] = [*described["enum"], None]
    return {"description": field.description, **described}


def _row_schema(section: Section) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [field.name for field in section.fields],
        "properties": {field.name: _property(section, field) for field in section.fields},
    }


def json_schema() -> dict[str, Any]:
    """Needs Tortoise initialised: relations are resolved at init."""
    sections: dict[str, Any] = {}
    for section in SECTIONS:
        row = _row_schema(section)
        if section.single:
            sections[section.name] = {
                "description": section.description,
                "anyOf": [row, {"type": "null"}],
            }
        else:
            sections[section.name] = {
                "description": section.description,
                "type": "array",
                "items": row,
            }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Backline personal data export",
        "description": "Everything Backline stores about one person (`myDataExport`).",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "version", "exportedAt", *sections],
        "properties": {
            "format": {"const": FORMAT_NAME},
            "version": {
                "const": FORMAT_VERSION,
                "description": "The edition of this format (docs/export.md).",
            },
            "exportedAt": {"type": "string", "format": "date-time"},
            **sections,
        },
    }


def render() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"


async def _print_schema() -> None:
    from tortoise import Tortoise

    import db

    await Tortoise.init(config=db.tortoise_config("sqlite://:memory:"))
    try:
        print(render(), end="")
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(_print_schema())
