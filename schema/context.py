"""The typed context of one GraphQL request."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from models.loaders import Loaders
from models.tokens import LinkSigner
from privacy import directory, sharing
from privacy.viewer import Viewer
from rate_limits import RateLimits
from schema.request_state import RequestState
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

    def __post_init__(self) -> None:
        self.loaders = Loaders(
            max_list_items=self.settings.max_list_items,
            listings_visible=directory.publicly_visible(),
            grants_in_force=sharing.in_force(),
        )
        known = RequestState(self.request.scope).preferences
        if known is not None:
            self.loaders.preferences.prime(known.account_id, known)


Info = StrawberryInfo[Context, None]
