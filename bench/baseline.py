"""The baseline: a minimal hand-written Starlette + Tortoise app that returns, for the
same pages, the same JSON as Backline's GraphQL queries. What GraphQL costs is the
difference.

    DATABASE_URL=... uvicorn bench.baseline:app
"""

from __future__ import annotations

import base64
import contextlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from tortoise import Tortoise  # noqa: E402

import db  # noqa: E402
from models.accounts import AccountStatus  # noqa: E402
from models.listings import Listing  # noqa: E402
from models.testimonials import Testimonial, TestimonialStatus  # noqa: E402


def cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


async def directory(request: Request) -> JSONResponse:
    first = int(request.query_params.get("first", 20))
    query = Listing.filter(in_directory=True, owner__status=AccountStatus.ACTIVE)
    for name in ("category", "state"):
        if value := request.query_params.get(name):
            query = query.filter(
                **({name: value} if name == "category" else {"state__iexact": value})
            )
    rows = await query.order_by("-id").limit(first + 1).select_related("owner")
    page = rows[:first]
    return JSONResponse(
        {
            "data": {
                "listings": {
                    "edges": [
                        {
                            "cursor": cursor("listing", row.id),
                            "node": {
                                "id": str(row.id),
                                "title": row.title,
                                "category": row.category,
                                "city": row.city,
                                "state": row.state,
                                "performer": {"id": str(row.owner.id), "name": row.owner.name},
                            },
                        }
                        for row in page
                    ],
                    "pageInfo": {
                        "hasNextPage": len(rows) > first,
                        "endCursor": cursor("listing", page[-1].id) if page else None,
                    },
                }
            }
        }
    )


async def testimonials(request: Request) -> JSONResponse:
    rows = (
        await Testimonial.filter(status=TestimonialStatus.PUBLISHED, author__status="ACTIVE")
        .order_by("-id")
        .limit(21)
    )
    page = rows[:20]
    return JSONResponse(
        {
            "data": {
                "testimonials": {
                    "edges": [
                        {
                            "cursor": cursor("testimonial", row.id),
                            "node": {
                                "id": str(row.id),
                                "quote": row.quote,
                                "authorName": row.published_name,
                                "eventType": row.event_type,
                                "city": row.city,
                                "state": row.state,
                            },
                        }
                        for row in page
                    ],
                    "pageInfo": {
                        "hasNextPage": len(rows) > 20,
                        "endCursor": cursor("testimonial", page[-1].id) if page else None,
                    },
                }
            }
        }
    )


@contextlib.asynccontextmanager
async def lifespan(app):
    await Tortoise.init(
        config=db.tortoise_config(os.environ["DATABASE_URL"]), _enable_global_fallback=True
    )
    yield
    await Tortoise.close_connections()


app = Starlette(
    routes=[Route("/directory", directory), Route("/testimonials", testimonials)], lifespan=lifespan
)
