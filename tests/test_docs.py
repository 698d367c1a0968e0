"""Every example in the documentation runs, against a live server with the demo data:
GraphQL blocks (signed in as the `<!-- as: ROLE -->` line before them says), curl
commands, and Python blocks with a `<!-- run: EXPRESSION -->` line."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.live_server import STAFF_EMAIL, STAFF_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:<!-- (as|run): (.+?) -->\n)?```(\w+)\n(.*?)```", re.DOTALL)
ACCOUNTS = {
    "customer": ("casey@demo.backline.example", "backline-demo"),
    "performer": ("groove@demo.backline.example", "backline-demo"),
    "staff": (STAFF_EMAIL, STAFF_PASSWORD),
}


def examples() -> list[tuple[str, str, str | None, str | None, str]]:
    found = []
    for path in DOCS:
        for number, match in enumerate(BLOCK.finditer(path.read_text())):
            marker, value, language, code = match.groups()
            found.append((f"{path.name}#{number}", language, marker, value, code))
    return found


GRAPHQL = [e for e in examples() if e[1] == "graphql"]
PYTHON = [e for e in examples() if e[1] == "python" and e[2] == "run"]
CURL = [e for e in examples() if e[1] == "sh" and e[4].lstrip().startswith("curl")]


@pytest.fixture(scope="module")
def tokens(live_server) -> dict[str, str]:
    found = {}
    for role, (email, password) in ACCOUNTS.items():
        response = httpx.post(
            f"{live_server.url}/graphql",
            json={
                "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) "
                "{ ... on AuthPayload { token } } }",
                "variables": {"e": email, "p": password},
            },
        )
        found[role] = response.json()["data"]["login"]["token"]
    return found


@pytest.fixture(scope="module")
def partner_key(live_server, tokens) -> str:
    response = httpx.post(
        f"{live_server.url}/graphql",
        json={
            "query": 'mutation { createApiKey(input: {name: "docs", scopes: [CONTACTS_READ]}) '
            "{ ... on ApiKey { token } } }"
        },
        headers={"Authorization": f"Bearer {tokens['performer']}"},
    )
    return response.json()["data"]["createApiKey"]["token"]


def test_the_docs_have_examples():
    assert len(GRAPHQL) >= 15 and PYTHON and CURL


@pytest.mark.parametrize(
    ("name", "language", "marker", "role", "code"), GRAPHQL, ids=[e[0] for e in GRAPHQL]
)
def test_graphql_examples_run(live_server, tokens, name, language, marker, role, code):
    headers = {"Authorization": f"Bearer {tokens[role]}"} if marker == "as" else {}
    response = httpx.post(f"{live_server.url}/graphql", json={"query": code}, headers=headers)
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    assert body["data"], body


@pytest.mark.parametrize(
    ("name", "language", "marker", "expression", "code"), PYTHON, ids=[e[0] for e in PYTHON]
)
def test_python_examples_run(live_server, partner_key, name, language, marker, expression, code):
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 (our own documentation)
    namespace |= {"BASE_URL": live_server.url, "KEY": partner_key}
    result = eval(expression, namespace)  # noqa: S307 (our own documentation)
    assert isinstance(result, list)


@pytest.mark.parametrize(
    ("name", "language", "marker", "value", "code"), CURL, ids=[e[0] for e in CURL]
)
def test_curl_examples_run(live_server, partner_key, name, language, marker, value, code):
    command = code.replace("http://127.0.0.1:8000", live_server.url)
    result = subprocess.run(
        ["bash", "-c", command],  # noqa: S607
        capture_output=True,
        text=True,
        env=os.environ | {"BACKLINE_KEY": partner_key},
        timeout=30,
    )
    body = json.loads(result.stdout)
    assert not body.get("errors"), body
