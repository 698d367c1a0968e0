"""The realistic directory workload: what people do with the directory, not one page.

Requests are spread over every page a visitor can reach by filtering and paging: no
filter, a category, a city, a state, a category in a city, a category in a state, each
paged up to MAX_DEPTH pages deep by the real cursors of the seeded data (computed from
the rows the way models/pagination encodes them: base64 of "listing:<id>" of a page's
last listing). Early pages are more popular than deep ones (1/page weights), every page
is asked at least once, and every 50th request (2%) is a performer's `updateListing`,
which changes public data and so empties the app's public response cache.

The list is written one request a line to a file that a wrk Lua script walks in order,
once for the app (POST /graphql) and once for the baseline (its own endpoints), so both
serve the same mix.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from models.accounts import AccountStatus
from models.listings import CATEGORIES, Listing
from models.pagination import encode_cursor

PAGE_SIZE = 20
MAX_DEPTH = 10
WRITE_EVERY = 50  # one request in 50: 2% writes

DIRECTORY_MIX = (
    "query Directory($category: String, $city: String, $state: String, $after: String) "
    "{ listings(first: 20, category: $category, city: $city, state: $state, after: $after) "
    "{ edges { cursor node { id title category city state performer { id name } } } "
    "pageInfo { hasNextPage endCursor } } }"
)
UPDATE_LISTING = (
    "mutation Edit($id: ID!, $input: ListingInput!) { updateListing(id: $id, input: $input) "
    "{ __typename ... on Listing { id title } } }"
)


@dataclass(frozen=True)
class Page:
    filters: tuple[tuple[str, str], ...]  # (name, value) of category, city, state
    after: str | None


@dataclass(frozen=True)
class Call:
    """One HTTP request: what wrk sends."""

    method: str
    path: str
    token: str = ""
    body: str = ""


@dataclass
class Mix:
    app: list[Call] = field(default_factory=list)
    baseline: list[Call] = field(default_factory=list)
    distinct_pages: int = 0
    filter_sets: int = 0
    writes: int = 0


def filter_sets(cities: list[tuple[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    city_names = sorted({city for city, _ in cities})
    states = sorted({state for _, state in cities})
    sets: list[tuple[tuple[str, str], ...]] = [()]
    sets += [(("category", c),) for c in CATEGORIES]
    sets += [(("city", c),) for c in city_names]
    sets += [(("state", s),) for s in states]
    sets += [(("category", c), ("city", city)) for c in CATEGORIES for city in city_names]
    sets += [(("category", c), ("state", s)) for c in CATEGORIES for s in states]
    return sets


async def directory_pages(
    max_depth: int = MAX_DEPTH, max_sets: int | None = None
) -> tuple[list[Page], int]:
    """Every reachable page of every filter set (or of the first `max_sets`), from the
    database's rows (inside a connected Tortoise); and how many filter sets there are."""
    found = (
        await Listing.filter(in_directory=True, owner__status=AccountStatus.ACTIVE)
        .distinct()
        .values_list("city", "state")
    )
    sets = filter_sets(list(found))[:max_sets]
    pages: list[Page] = []
    for filters in sets:
        query = Listing.filter(in_directory=True, owner__status=AccountStatus.ACTIVE)
        for name, value in filters:
            query = query.filter(**{name if name == "category" else f"{name}__iexact": value})
        ids = await query.order_by("-id").limit(PAGE_SIZE * max_depth).values_list("id", flat=True)
        pages.append(Page(filters, None))
        for end in range(PAGE_SIZE, len(ids), PAGE_SIZE):
            # The endCursor of the page that ends with ids[end - 1]: the next page's `after`.
            pages.append(Page(filters, encode_cursor("listing", ids[end - 1])))
    return pages, len(sets)


async def writable_listings(writer_tokens: dict[str, str]) -> list[tuple[str, dict]]:
    """(session token, listing) for each in-directory listing of the signed-in writers."""
    rows = (
        await Listing.filter(owner_id__in=[int(key) for key in writer_tokens], in_directory=True)
        .order_by("id")
        .values("id", "owner_id", "title", "category", "city", "state", "description")
    )
    return [(writer_tokens[str(row["owner_id"])], row) for row in rows]


def _query_string(page: Page) -> str:
    params = [("first", str(PAGE_SIZE)), *page.filters]
    if page.after:
        params.append(("after", page.after))
    return urlencode(params)


def build_mix(
    pages: list[Page],
    writers: list[tuple[str, dict]],
    *,
    count: int = 10_000,
    seed: int = 17,
) -> Mix:
    """`count` requests: each page at least once, then pages drawn by popularity (a
    page k deep weighs 1/k), in a shuffled order; every WRITE_EVERY-th is a write."""
    rng = random.Random(seed)  # noqa: S311 (a benchmark's sample)
    reads_wanted = count - count // WRITE_EVERY
    # `pages` lists each filter set's pages in order, so a count gives each one's depth.
    counter: dict[tuple, int] = {}
    weights = []
    for page in pages:
        counter[page.filters] = counter.get(page.filters, 0) + 1
        weights.append(1.0 / counter[page.filters])
    reads = list(pages) + rng.choices(pages, weights, k=max(reads_wanted - len(pages), 0))
    rng.shuffle(reads)
    mix = Mix(distinct_pages=len(set(reads)), filter_sets=len({page.filters for page in pages}))
    edits = 0
    for n in range(count):
        if n % WRITE_EVERY == WRITE_EVERY - 1 and writers:
            token, listing = writers[edits % len(writers)]
            edits += 1
            fields = {
                "title": f"{listing['title']} (edit {edits})"[:120],
                "category": listing["category"],
                "city": listing["city"],
                "state": listing["state"],
                "description": listing["description"],
            }
            variables = {"id": str(listing["id"]), "input": fields}
            body = json.dumps({"query": UPDATE_LISTING, "variables": variables})
            mix.app.append(Call("POST", "/graphql", token, body))
            mix.baseline.append(
                Call("POST", f"/listings/{listing['id']}", token, json.dumps(fields))
            )
            mix.writes += 1
            continue
        page = reads.pop() if reads else rng.choices(pages, weights)[0]
        variables = dict(page.filters) | ({"after": page.after} if page.after else {})
        body = json.dumps({"query": DIRECTORY_MIX, "variables": variables})
        mix.app.append(Call("POST", "/graphql", "", body))
        mix.baseline.append(Call("GET", f"/directory?{_query_string(page)}"))
    return mix


def write_calls(calls: list[Call], path: Path) -> None:
    """One request a line, tab-separated: method, path, bearer token, JSON body."""
    lines = []
    for call in calls:
        if any("\t" in part or "\n" in part for part in (call.path, call.token, call.body)):
            raise ValueError(f"cannot write {call} on one line")
        lines.append(f"{call.method}\t{call.path}\t{call.token}\t{call.body}")
    path.write_text("\n".join(lines) + "\n")


def walker_lua(calls_file: Path) -> str:
    """A wrk script that sends the requests of `calls_file` in order, round and round
    (formatted once, in init, so the walk itself costs wrk nothing)."""
    return f"""
local requests = {{}}
local counter = 0
function init(args)
  for line in io.lines({json.dumps(str(calls_file))}) do
    local method, path, token, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)$")
    local headers = {{}}
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
end
function request()
  counter = counter + 1
  return requests[(counter - 1) % #requests + 1]
end
"""
