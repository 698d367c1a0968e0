"""The public directory: performers and their listings. No contact data, by type."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.listings import Listing as ListingRow
from models.pagination import Page
from schema.context import Info
from schema.errors import NotAuthorized, NotFound, ValidationError
from schema.pagination import PageInfo


@strawberry.type(description="The public face of a person who lists in the directory.")
class Performer:
    id: strawberry.ID
    name: str

    @strawberry.field
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
        return Performer(id=strawberry.ID(str(owner.id)), name=owner.name)


@strawberry.type
class ListingEdge:
    cursor: str
    node: Listing


@strawberry.type
class ListingConnection:
    edges: list[ListingEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: Page[ListingRow]) -> ListingConnection:
        return cls(
            edges=[
                ListingEdge(cursor=cursor, node=Listing.from_row(row))
                for row, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo.of(page),
        )


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
