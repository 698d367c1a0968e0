"""The public directory: performers and their listings. No contact data, by type."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.listings import Listing as ListingRow
from privacy.contact_details import public_name
from schema.boards import BoardQuestionConnection, board_of
from schema.context import Info
from schema.errors import NotAuthorized, NotFound, ValidationError
from schema.pagination import Connection
from schema.request_state import served_listings


@strawberry.type(description="The public face of a person who lists in the directory.")
class Performer:
    id: strawberry.ID
    name: str

    @strawberry.field(
        description="The performer's listings in the directory, newest first. At most "
        "MAX_LIST_ITEMS (50 by default)."
    )
    async def listings(self, info: Info) -> list[Listing]:
        rows = await info.context.loaders.directory_listings.load(int(self.id))
        return [Listing.from_row(row) for row in rows]


@strawberry.type
class Listing:
    id: strawberry.ID
    title: str
    category: str
    city: str
    state: str
    description: str
    in_directory: bool
    owner_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: ListingRow) -> Listing:
        if (served := served_listings.get()) is not None:
            served[row.id] = row.revision
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            category=row.category,
            city=row.city,
            state=row.state,
            description=row.description,
            in_directory=row.in_directory,
            owner_id=row.owner_id,
        )

    @strawberry.field
    async def performer(self, info: Info) -> Performer:
        owner = await info.context.loaders.account.load(self.owner_id)
        # Names are checked when given; one given before shows without contact details.
        name = public_name(owner.name, info.context.settings.default_phone_region)
        return Performer(id=strawberry.ID(str(owner.id)), name=name)

    @strawberry.field(
        description="The listing's public question-and-answer board, newest question "
        "first: everything on it is public, for everyone to read. Empty while the listing "
        "is out of the directory."
    )
    async def board(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> BoardQuestionConnection:
        return await board_of(info, int(self.id), first, after)


ListingConnection = Connection[Listing]


@strawberry.input
class ListingInput:
    title: str
    category: str = strawberry.field(
        description="One of `categories`; any other value is a ValidationError."
    )
    city: str
    state: str
    description: str


ListingResult = Annotated[
    Listing | ValidationError | NotAuthorized | NotFound, strawberry.union("ListingResult")
]
