"""Relay-style connections shared by every list that grows.

`Connection[Listing]` is named ListingConnection in the schema (and its edges
ListingEdge), as the contract has it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from models.pagination import Page

Node = TypeVar("Node")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo

    @classmethod
    def of(cls, page: Page, node: Callable[[Any], Node]) -> Connection[Node]:
        return cls(
            edges=[
                Edge(cursor=cursor, node=node(row))
                for row, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @classmethod
    def empty(cls) -> Connection[Node]:
        return cls(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))
