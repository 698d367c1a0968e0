"""The GraphQL endpoint: strawberry's ASGI view, with the typed context and the
GraphQL-over-HTTP media types.

A client that accepts `application/graphql-response+json` gets it, and with it a
400 status for a request that could not be executed at all (unparsable, invalid,
variables of the wrong type), with no `data` entry; `application/json` clients keep
the classic 200.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from models.tokens import LinkSigner
from rate_limits import RateLimits
from schema.context import Context
from schema.request_state import RequestState
from settings import Settings
from web.graphql_schema import build_schema
from web.outage import outage_in

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
STATIC = Path(__file__).with_name("static")
GRAPHIQL_PAGE = STATIC / "graphiql" / "index.html"


def prefers_graphql_response_json(accept: str) -> bool:
    media_types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return GRAPHQL_RESPONSE_JSON in media_types


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, settings: Settings, rate_limits: RateLimits, links: LinkSigner) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.is_production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        self.settings = settings
        self.rate_limits = rate_limits
        self.links = links

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(GRAPHIQL_PAGE.read_text())

    def decode_json(self, data: str | bytes) -> object:
        # A body (or a GET's variables) nested thousands deep exhausts the parser's
        # recursion, and bytes that are not UTF-8 fail before parsing: both are the
        # client's mistake, a 400, not a server error.
        try:
            return json.loads(data)
        except (RecursionError, ValueError):
            raise HTTPException(400, "Unable to parse request body as JSON") from None

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than the standard library on every response.
        return orjson.dumps(data)

    async def get_context(self, request: Request, response: Response | None) -> Context:
        return Context(
            request=request,
            response=response,
            viewer=RequestState(request.scope).viewer,
            settings=self.settings,
            rate_limits=self.rate_limits,
            links=self.links,
        )

    async def get_sub_response(self, request: Request) -> Response:
        response = await super().get_sub_response(request)
        if prefers_graphql_response_json(request.headers.get("accept", "")):
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        RequestState(request.scope).graphql_response = response
        return response

    async def process_result(self, request: Request, result: ExecutionResult):
        outage = outage_in(result.errors)
        if outage is not None:
            # The database is away: the whole answer is a 503 (web/outage.py).
            raise outage
        data = await super().process_result(request, result)
        request_error = (
            result.data is None
            and bool(result.errors)
            and all(error.path is None for error in result.errors)
        )
        if request_error:
            # Nothing was executed, so there is no data entry at all.
            data.pop("data", None)
            response = RequestState(request.scope).graphql_response
            if GRAPHQL_RESPONSE_JSON in response.headers.get("content-type", ""):
                response.status_code = 400
        return data

    def create_response(self, response_data, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        media_type = sub_response.headers.get("content-type")
        if media_type:
            # The view set application/json; the negotiated type replaces it.
            del response.headers["content-type"]
            response.headers["content-type"] = media_type
        return response
