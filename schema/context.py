"""The typed context of one GraphQL request."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from models.loaders import Loaders
from models.pagination import Page
from models.tokens import LinkSigner
from privacy import directory, sharing
from privacy.viewer import Viewer
from rate_limits import RateLimits
from schema.request_state import RequestState
from services import boards
from settings import Settings


@dataclass
class Context:
    request: Request
    response: Response | None
    viewer: Viewer
    settings: Settings
    rate_limits: RateLimits
    links: LinkSigner
    # Fresh for every request: a loader's cache must never outlive the caller it served.
    loaders: Loaders = field(init=False)
    # First pages of boards, keyed by (listing id, page size).
    board_first_pages: DataLoader[tuple[int, int], Page[boards.Question]] = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(
            max_list_items=self.settings.max_list_items,
            listings_visible=directory.publicly_visible(),
            grants_in_force=sharing.in_force(),
        )
        self.board_first_pages = DataLoader(load_fn=self._load_board_first_pages)
        known = RequestState(self.request.scope).preferences
        if known is not None:
            self.loaders.preferences.prime(known.account_id, known)

    async def _load_board_first_pages(
        self, keys: list[tuple[int, int]]
    ) -> list[Page[boards.Question]]:
        pages: dict[tuple[int, int], Page[boards.Question]] = {}
        for first in {size for _, size in keys}:
            listing_ids = [listing_id for listing_id, size in keys if size == first]
            found = await boards.first_board_pages(
                listing_ids,
                first=first,
                maximum=self.settings.max_page_size,
                phone_region=self.settings.default_phone_region,
            )
            pages |= {(listing_id, first): page for listing_id, page in found.items()}
        return [pages[key] for key in keys]


Info = StrawberryInfo[Context, None]
