"""docs/architecture.md's "Domains by layer" holds for the tree: one name per domain in
every layer, and every module accounted for."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("web", "resolvers", "schema", "services", "privacy", "models", "mailers", "webhooks")
DOC = ROOT / "docs" / "architecture.md"


def modules(layer: str) -> set[str]:
    return {path.stem for path in (ROOT / layer).glob("*.py") if path.stem != "__init__"}


def documented() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The table (domain: its layers) and the list (layer: its shared modules)."""
    section = DOC.read_text().split("## Domains by layer", 1)[1].split("\n## ", 1)[0]
    domains, shared = {}, {layer: set() for layer in LAYERS}
    for line in section.splitlines():
        row = re.fullmatch(r"\| `(\w+)` \| [^|]* \|(.*)\|", line)
        if row:
            cells = [cell.strip() for cell in row.group(2).split("|")]
            assert len(cells) == len(LAYERS), line
            domains[row.group(1)] = {
                layer for layer, cell in zip(LAYERS, cells, strict=True) if cell
            }
        listed = re.fullmatch(r"- `(\w+)/`: (.*)", line)
        if listed:
            shared[listed.group(1)] = set(re.findall(r"`(\w+)`", listed.group(2)))
    return domains, shared


def test_every_module_is_a_domain_of_the_table_or_shared_by_its_layer():
    domains, shared = documented()
    for layer in LAYERS:
        in_table = {name for name, layers in domains.items() if layer in layers}
        assert modules(layer) == in_table | shared[layer], layer
        assert not in_table & shared[layer], layer


def test_a_resolver_and_a_type_module_are_named_after_their_service():
    resolvers, types = modules("resolvers"), modules("schema")
    _, shared = documented()
    services = modules("services")
    assert resolvers <= services, sorted(resolvers - services)
    assert types - shared["schema"] - {"pagination"} <= services, sorted(
        types - shared["schema"] - {"pagination"} - services
    )


def test_the_table_is_not_empty():
    domains, _ = documented()
    assert {"inquiries", "sharing", "data_rights", "staff_requests"} <= set(domains)
