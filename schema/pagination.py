"""Relay-style connection pieces shared by every list that grows."""

from __future__ import annotations

import strawberry

from models.pagination import Page


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None

    @classmethod
    def of(cls, page: Page) -> PageInfo:
        return cls(has_next_page=page.has_next_page, end_cursor=page.end_cursor)
