"""The app as uvicorn runs it: lifespan, GraphiQL in development, health check."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager

from main import create_app
from settings import Settings


async def test_the_lifespan_connects_the_database(migrated_template, tmp_path):
    import shutil

    if not migrated_template.startswith("postgres"):
        shutil.copyfile(migrated_template, tmp_path / "app.sqlite3")
        url = f"sqlite://{tmp_path / 'app.sqlite3'}"
    else:
        url = migrated_template
    app = create_app(Settings(database_url=url))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.get("/healthz")).text == "ok"
            response = await http.post("/graphql", json={"query": "{ categories }"})
            assert "Band" in response.json()["data"]["categories"]


async def test_graphiql_is_served_in_development(api):
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
