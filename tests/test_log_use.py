"""Log files link IP addresses to people; the policy says they are used only in
aggregate. The service itself never reads the request log about anyone: it writes it,
purges it, and hands each person their own rows in their export. Anything else that
reads it, in any module, fails here until it is reviewed against the policy."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each module allowed to name the request log, and why.
ALLOWED = {
    "models/retention.py": "defines the table",
    "web/request_log.py": "writes one row per request",
    "services/retention.py": "purge deletes rows past LOG_RETENTION_DAYS",
    "privacy/export.py": "the person's own rows, in their export",
}
SKIPPED = ("tests/", "bench/", "models/migrations/", "mutants/", ".venv/")
# The table in raw SQL (a docstring naming web/request_log.py is not a read).
SQL = re.compile(r"\b(from|into|update|join|table)\s+[\"`]?request_log\b", re.IGNORECASE)


def modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not str(path.relative_to(ROOT)).startswith(SKIPPED)
    ]


def names_the_request_log(tree: ast.AST) -> bool:
    """The model by name, or its table in a string (raw SQL)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.alias | ast.Attribute):
            name = getattr(node, "id", None) or getattr(node, "name", None) or node.attr
            if name.endswith("RequestLog"):
                return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL.search(node.value):
                return True
    return False


def test_only_the_writer_the_purge_and_the_export_touch_the_request_log():
    # given every module of the service
    found = {
        str(path.relative_to(ROOT))
        for path in modules()
        if names_the_request_log(ast.parse(path.read_text(encoding="utf-8")))
    }
    # then the request log is named only where it is written, purged, or exported
    assert found <= set(ALLOWED), sorted(found - set(ALLOWED))
    assert "web/request_log.py" in found  # the scan sees what it looks for
