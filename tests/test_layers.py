"""The layers of docs/architecture.md hold for the top-level modules too.

import-linter (`lint-imports`, in CI) checks the packages; it takes packages only, so
this reads the imports of the modules beside them: settings, db, errors, encryption
and rate_limits sit at the bottom and import nothing of ours above them, and nothing
of ours imports the entry points (main.py, cli.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("web", "resolvers", "schema", "services", "webhooks", "mailers", "privacy", "models")
# Bottom modules, each allowed to import only those after it.
BOTTOM = ("db", "rate_limits", "settings", "encryption", "errors")
ENTRY_POINTS = {"main", "cli"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_bottom_modules_import_nothing_above_them():
    for position, module in enumerate(BOTTOM):
        ours = imported_roots(ROOT / f"{module}.py") & (set(PACKAGES) | set(BOTTOM))
        allowed = set(BOTTOM[position + 1 :])
        assert ours <= allowed, f"{module}.py imports {sorted(ours - allowed)}"


def test_nothing_but_the_entry_points_imports_them():
    sources = [ROOT / f"{module}.py" for module in BOTTOM]
    for package in PACKAGES:
        sources += [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]
    offenders = [str(p.relative_to(ROOT)) for p in sources if imported_roots(p) & ENTRY_POINTS]
    assert offenders == []
