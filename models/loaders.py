"""DataLoaders: one per relation, created fresh for every request (see
schema/context.py), so a page costs the same number of queries whatever its size and
nothing cached for one caller is ever seen by another.

Rules about who may see a row come in as SQL predicates from the caller (built in
schema/context.py from privacy/), so they stay in the statement and models/ depends
on no rule.

A list that grows (a performer's listings, my consent history…) is capped at
MAX_LIST_ITEMS, newest first, in SQL: a window function numbers each owner's rows,
so one statement still serves every owner of a page, and no more than the cap of each
owner's rows leave the database (slicing afterwards would load them all).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Term, ValueWrapper
from strawberry.dataloader import DataLoader
from tortoise.expressions import Q, RawSQL
from tortoise.models import Model
from tortoise.queryset import QuerySet, ValuesQuery

from models.accounts import Account, ConsentEvent, PrivacyPreferences
from models.api_keys import ApiKey
from models.listings import Listing
from models.policies import PolicyVersion
from models.sharing import BookingInquiry, ContactGrant, inquiries_with_author_shared
from models.testimonials import Testimonial

T = TypeVar("T")
M = TypeVar("M", bound=Model)


def _one_each(keys: Sequence[int], rows: Iterable[T], key: Callable[[T], int]) -> list[T | None]:
    by_key = {key(row): row for row in rows}
    return [by_key.get(k) for k in keys]


def _many_each(keys: Sequence[int], rows: Iterable[T], key: Callable[[T], int]) -> list[list[T]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return [grouped.get(k, []) for k in keys]


class _NewestIds(Term):
    """The subquery of `id IN (…)`: the ids numbered `limit` or less by `ranked` (a
    ValuesQuery of `id` and `newest`; a window function cannot be filtered in its own
    WHERE). Rendered into the enclosing statement, parameters and all."""

    def __init__(self, ranked: ValuesQuery, limit: int) -> None:
        super().__init__()
        self.ranked = ranked
        self.limit = limit

    def get_sql(self, ctx: SqlContext) -> str:
        self.ranked._choose_db_if_not_chosen()
        self.ranked._make_query()
        inner = self.ranked.query.as_("ranked")
        outer = (
            self.ranked.query.QUERY_CLS.from_(inner)
            .select(inner.id)
            .where(inner.newest <= ValueWrapper(self.limit))
        )
        return outer.get_sql(ctx.copy(subquery=True, with_alias=False))


def newest_each(
    model: type[M], owner_column: str, keys: Sequence[int], limit: int, *filters: Q
) -> QuerySet[M]:
    """The `limit` newest rows (highest id) of each owner in `keys` that pass `filters`."""
    table = model._meta.db_table
    partition = f'PARTITION BY "{table}"."{owner_column}" ORDER BY "{table}"."id" DESC'
    ranked = (
        model.filter(*filters, **{f"{owner_column}__in": list(keys)})
        .annotate(newest=RawSQL(f"ROW_NUMBER() OVER ({partition})"))
        .values("id", "newest")
    )
    return model.filter(id__in=_NewestIds(ranked, limit)).order_by("-id")


async def _accounts(keys: list[int]) -> list[Account | None]:
    return _one_each(keys, await Account.filter(id__in=keys), lambda row: row.id)


async def _preferences(keys: list[int]) -> list[PrivacyPreferences | None]:
    rows = await PrivacyPreferences.filter(account_id__in=keys)
    return _one_each(keys, rows, lambda row: row.account_id)


async def _consent_events(keys: list[int], limit: int) -> list[list[ConsentEvent]]:
    rows = await newest_each(ConsentEvent, "account_id", keys, limit).select_related(
        "policy_version"
    )
    return _many_each(keys, rows, lambda row: row.account_id)


async def _own_listings(keys: list[int], limit: int) -> list[list[Listing]]:
    rows = await newest_each(Listing, "owner_id", keys, limit)
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _directory_listings(keys: list[int], limit: int, visible: Q) -> list[list[Listing]]:
    rows = await newest_each(Listing, "owner_id", keys, limit, visible)
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _listings(keys: list[int]) -> list[Listing | None]:
    return _one_each(keys, await Listing.filter(id__in=keys), lambda row: row.id)


async def _inquiries(keys: list[int]) -> list[BookingInquiry | None]:
    """With their authors: who asked, for privacy/inquiries.as_seen_by."""
    rows = await BookingInquiry.filter(id__in=keys).select_related("customer")
    return _one_each(keys, rows, lambda row: row.id)


async def _author_shared(keys: list[int], in_force: Q) -> list[bool]:
    shared = await inquiries_with_author_shared(list(keys), in_force)
    return [key in shared for key in keys]


async def _grants_given(keys: list[int], limit: int) -> list[list[ContactGrant]]:
    """The newest shares of the owners' details, live or not, with whom and why."""
    rows = await newest_each(ContactGrant, "owner_id", keys, limit).select_related(
        "recipient", "inquiry__listing"
    )
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _api_keys(keys: list[int], limit: int) -> list[list[ApiKey]]:
    rows = await newest_each(ApiKey, "owner_id", keys, limit)
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _testimonials(keys: list[int], limit: int) -> list[list[Testimonial]]:
    rows = await newest_each(Testimonial, "author_id", keys, limit)
    return _many_each(keys, rows, lambda row: row.author_id)


async def _policy_versions(keys: list[int]) -> list[PolicyVersion | None]:
    return _one_each(keys, await PolicyVersion.filter(id__in=keys), lambda row: row.id)


class Loaders:
    def __init__(self, max_list_items: int, listings_visible: Q, grants_in_force: Q) -> None:
        def capped(load_fn: Callable[..., Any]) -> DataLoader:
            return DataLoader(load_fn=partial(load_fn, limit=max_list_items))

        self.account: DataLoader[int, Account | None] = DataLoader(load_fn=_accounts)
        self.preferences: DataLoader[int, PrivacyPreferences | None] = DataLoader(
            load_fn=_preferences
        )
        self.consent_events: DataLoader[int, list[ConsentEvent]] = capped(_consent_events)
        self.own_listings: DataLoader[int, list[Listing]] = capped(_own_listings)
        # `listings_visible`: the directory's public-visibility predicate.
        self.directory_listings: DataLoader[int, list[Listing]] = capped(
            partial(_directory_listings, visible=listings_visible)
        )
        self.listing: DataLoader[int, Listing | None] = DataLoader(load_fn=_listings)
        self.inquiry: DataLoader[int, BookingInquiry | None] = DataLoader(load_fn=_inquiries)
        self.grants_given: DataLoader[int, list[ContactGrant]] = capped(_grants_given)
        # `grants_in_force`: the sharing rule; per inquiry, are its author's details shared?
        self.author_shared: DataLoader[int, bool] = DataLoader(
            load_fn=partial(_author_shared, in_force=grants_in_force)
        )
        self.api_keys: DataLoader[int, list[ApiKey]] = capped(_api_keys)
        self.testimonials: DataLoader[int, list[Testimonial]] = capped(_testimonials)
        self.policy_version: DataLoader[int, PolicyVersion | None] = DataLoader(
            load_fn=_policy_versions
        )
