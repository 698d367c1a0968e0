"""Request bodies: over MAX_BODY_BYTES a 413 before anything reads them, and JSON too
deeply nested to parse a 400, both with the usual security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson

from models.retention import RequestLog
from settings import Settings
from tests.conftest import client_for

MIB = 1024 * 1024
CHUNK = 64 * 1024


class Body:
    """A request body sent in chunks, which records how much of it the server pulled."""

    def __init__(self, size: int) -> None:
        padding = "x" * (size - len(self.document("")))
        self.data = self.document(padding)
        self.pulled = 0

    @staticmethod
    def document(padding: str) -> bytes:
        return orjson.dumps({"query": "{ categories }", "variables": {"pad": padding}})

    async def chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), CHUNK):
            chunk = self.data[start : start + CHUNK]
            self.pulled += len(chunk)
            yield chunk


async def test_a_body_declared_too_large_is_refused_before_anything_reads_it(api):
    # given a 16 MB anonymous request that says how long it is
    body = Body(16 * MIB)
    # when it is sent
    response = await api.http.post(
        "/graphql",
        content=body.chunks(),
        headers={"Content-Type": "application/json", "Content-Length": str(len(body.data))},
    )
    # then it is refused, not one byte of it was read, and the refusal is logged
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"
    assert body.pulled == 0
    [entry] = await RequestLog.all()
    assert (entry.path, entry.status, entry.operation) == ("/graphql", 413, None)


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(api):
    # given a body with no Content-Length, four times the default limit of 1 MiB
    body = Body(4 * MIB)
    # when it is streamed
    response = await api.http.post(
        "/graphql", content=body.chunks(), headers={"Content-Type": "application/json"}
    )
    # then it is refused once the limit is passed, and the rest is never read
    assert response.status_code == 413
    assert MIB < body.pulled <= MIB + CHUNK


async def test_a_body_up_to_the_limit_is_served(settings):
    # given a limit of 4 KiB
    small = Settings(**settings.model_dump(exclude={"max_body_bytes"}), max_body_bytes=4096)
    async for api in client_for(small):
        # when a query exactly that long is sent, and one a byte longer
        fits = await api.http.post(
            "/graphql", content=Body(4096).data, headers={"Content-Type": "application/json"}
        )
        over = await api.http.post(
            "/graphql", content=Body(4097).data, headers={"Content-Type": "application/json"}
        )
    # then the first is answered and the second refused
    assert fits.status_code == 200 and "Band" in fits.text
    assert over.status_code == 413


async def test_json_nested_too_deeply_to_parse_is_a_400_with_security_headers(api):
    # given JSON nested 100,000 deep as a body, and 5,000 deep as a GET's variables
    nested = "[" * 100_000 + "]" * 100_000
    nested_in_url = "[" * 5_000 + "]" * 5_000
    # when each is sent
    responses = [
        await api.http.post(
            "/graphql", content=nested, headers={"Content-Type": "application/json"}
        ),
        await api.http.post(
            "/graphql",
            content='{"query": "{ categories }", "variables": {"v": ' + nested + "}}",
            headers={"Content-Type": "application/json"},
        ),
        await api.http.get(
            "/graphql", params={"query": "{ categories }", "variables": nested_in_url}
        ),
        # bytes that are not UTF-8 at all
        await api.http.post(
            "/graphql", content=b'{"query": "\xff"}', headers={"Content-Type": "application/json"}
        ),
    ]
    # then each is the client's mistake, answered like any other response
    for response in responses:
        assert response.status_code == 400
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
