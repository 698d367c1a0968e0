"""A response cache for public, anonymous GraphQL queries (the directory, a listing,
the categories, testimonials): they carry no personal data by type and do not depend
on who asks, so one answer serves everyone until public data changes.

Entries are keyed on the document and its variables, and hold the public version and
the revision of each listing they show (models/public_version.py). Database triggers
move the version whenever what a page holds may change, and a listing's revision with
any change of that listing; a hit is served only while both still match, so a worker
that did not see a write still sees it on its next request, and editing one listing
renews only the pages that show it. Anything sent with an Authorization
header, any mutation, and any query touching a field outside PUBLIC_FIELDS (or
depending on the clock, like the policy in force) is never cached.

The cache is bounded by entries and by bytes, least recently used out first; an answer
too large for a fair share of the bytes is passed through without being kept (nor
copied), so one huge response can neither evict everything else nor stay in memory.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

import orjson
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import public_version
from schema.request_state import RequestState, served_listings

# privacyContact comes from settings alone: the same answer for everyone, fixed per process.
PUBLIC_FIELDS = frozenset(
    {"listings", "listing", "categories", "testimonials", "privacyContact", "__typename"}
)
MAX_BODY = 16_384
# No one answer may take more than this share of the cache's bytes.
ENTRY_SHARE = 8


@functools.lru_cache(maxsize=512)
def is_public(query: str, max_tokens: int) -> bool:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return False
    operations = document.definitions
    if len(operations) != 1 or not isinstance(operations[0], OperationDefinitionNode):
        return False
    operation = operations[0]
    return operation.operation == OperationType.QUERY and all(
        isinstance(selection, FieldNode) and selection.name.value in PUBLIC_FIELDS
        for selection in operation.selection_set.selections
    )


class PublicResponseCache:
    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // ENTRY_SHARE
        self.bytes = 0
        self.entries: OrderedDict[tuple, tuple[int, dict[int, int], list, bytes]] = OrderedDict()

    async def get(self, key: tuple, version: int) -> tuple[list, bytes] | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] != version:
            return None
        listings = entry[1]
        if listings and await public_version.listing_revisions(list(listings)) != listings:
            self._drop(key)  # one of its listings changed since
            return None
        if key in self.entries:
            self.entries.move_to_end(key)
        return entry[2], entry[3]

    def put(
        self, key: tuple, version: int, listings: dict[int, int], headers: list, body: bytes
    ) -> None:
        self._drop(key)  # an older version's answer, if any, is no use any more
        if len(body) > self.max_entry_bytes:
            return
        self.entries[key] = (version, listings, headers, body)
        self.bytes += len(body)
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.bytes -= len(entry[3])


class PublicCacheMiddleware:
    def __init__(self, app: ASGIApp, *, cache: PublicResponseCache, max_tokens: int) -> None:
        self.app = app
        self.cache = cache
        self.max_tokens = max_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if (
            scope["method"] != "POST"
            or scope["path"] != "/graphql"
            or "authorization" in headers
            or int(headers.get("content-length") or MAX_BODY + 1) > MAX_BODY
        ):
            await self.app(scope, receive, send)
            return
        body = await _read(receive)
        replay = _replaying(body, receive)
        key = self._key(body, headers)
        if key is None:
            await self.app(scope, replay, send)
            return
        version = await public_version.current()
        if (hit := await self.cache.get(key, version)) is not None:
            RequestState(scope).operation_name = key[2]
            await _send_cached(send, *hit)
            return
        listings: dict[int, int] = {}
        recording = served_listings.set(listings)
        try:
            await self.app(scope, replay, self._storing(send, key, version, listings))
        finally:
            served_listings.reset(recording)

    def _key(self, body: bytes, headers: Headers) -> tuple | None:
        try:
            request: Any = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        # Anything unusual goes to the view, which judges malformed requests.
        well_formed = (
            headers.get("content-type", "").startswith("application/json")
            and isinstance(request, dict)
            and isinstance(request.get("query"), str)
            and isinstance(request.get("operationName"), str | None)
            and isinstance(request.get("variables"), dict | None)
            and isinstance(request.get("extensions"), dict | None)
        )
        if not well_formed:
            return None
        if not is_public(request["query"], self.max_tokens):
            return None
        variables = orjson.dumps(request.get("variables") or {}, option=orjson.OPT_SORT_KEYS)
        operation = request.get("operationName")
        return (request["query"], variables, operation, headers.get("accept", ""))

    def _storing(self, send: Send, key: tuple, version: int, listings: dict[int, int]) -> Send:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0

        async def store(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= self.cache.max_entry_bytes:
                chunk = message.get("body", b"")
                size += len(chunk)
                chunks.append(chunk)
                if size > self.cache.max_entry_bytes:
                    chunks.clear()  # too large to keep: stop copying it
                elif not message.get("more_body") and start.get("status") == 200:
                    body = b"".join(chunks)
                    if b'"errors"' not in body:
                        self.cache.put(key, version, listings, list(start.get("headers", [])), body)
            await send(message)

        return store


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_cached(send: Send, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
