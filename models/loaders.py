"""DataLoaders: one per relation, created fresh for every request (see
schema/context.py), so a page costs the same number of queries whatever its size and
nothing cached for one caller is ever seen by another."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from models.accounts import Account, ConsentEvent, PrivacyPreferences
from models.api_keys import ApiKey
from models.listings import Listing
from models.policies import PolicyVersion
from models.sharing import BookingInquiry, ContactGrant
from models.testimonials import Testimonial
from privacy import directory

T = TypeVar("T")


def _one_each(keys: Sequence[int], rows: Iterable[T], key: Callable[[T], int]) -> list[T | None]:
    by_key = {key(row): row for row in rows}
    return [by_key.get(k) for k in keys]


def _many_each(keys: Sequence[int], rows: Iterable[T], key: Callable[[T], int]) -> list[list[T]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return [grouped.get(k, []) for k in keys]


async def _accounts(keys: list[int]) -> list[Account | None]:
    return _one_each(keys, await Account.filter(id__in=keys), lambda row: row.id)


async def _preferences(keys: list[int]) -> list[PrivacyPreferences | None]:
    rows = await PrivacyPreferences.filter(account_id__in=keys)
    return _one_each(keys, rows, lambda row: row.account_id)


async def _consent_events(keys: list[int]) -> list[list[ConsentEvent]]:
    rows = (
        await ConsentEvent.filter(account_id__in=keys)
        .order_by("-id")
        .select_related("policy_version")
    )
    return _many_each(keys, rows, lambda row: row.account_id)


async def _own_listings(keys: list[int]) -> list[list[Listing]]:
    rows = await Listing.filter(owner_id__in=keys).order_by("-id")
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _directory_listings(keys: list[int]) -> list[list[Listing]]:
    rows = await Listing.filter(directory.publicly_visible(), owner_id__in=keys).order_by("-id")
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _listings(keys: list[int]) -> list[Listing | None]:
    return _one_each(keys, await Listing.filter(id__in=keys), lambda row: row.id)


async def _inquiries(keys: list[int]) -> list[BookingInquiry | None]:
    return _one_each(keys, await BookingInquiry.filter(id__in=keys), lambda row: row.id)


async def _grants_given(keys: list[int]) -> list[list[ContactGrant]]:
    """Every share of the owners' details, live or not, with whom and why."""
    rows = (
        await ContactGrant.filter(owner_id__in=keys)
        .order_by("-id")
        .select_related("recipient", "inquiry__listing")
    )
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _api_keys(keys: list[int]) -> list[list[ApiKey]]:
    rows = await ApiKey.filter(owner_id__in=keys).order_by("-id")
    return _many_each(keys, rows, lambda row: row.owner_id)


async def _testimonials(keys: list[int]) -> list[list[Testimonial]]:
    rows = await Testimonial.filter(author_id__in=keys).order_by("-id")
    return _many_each(keys, rows, lambda row: row.author_id)


async def _policy_versions(keys: list[int]) -> list[PolicyVersion | None]:
    return _one_each(keys, await PolicyVersion.filter(id__in=keys), lambda row: row.id)


def _loader(load_fn: Callable[[list[int]], Any]) -> Any:
    return field(default_factory=lambda: DataLoader(load_fn=load_fn))


@dataclass
class Loaders:
    account: DataLoader[int, Account | None] = _loader(_accounts)
    preferences: DataLoader[int, PrivacyPreferences | None] = _loader(_preferences)
    consent_events: DataLoader[int, list[ConsentEvent]] = _loader(_consent_events)
    own_listings: DataLoader[int, list[Listing]] = _loader(_own_listings)
    directory_listings: DataLoader[int, list[Listing]] = _loader(_directory_listings)
    listing: DataLoader[int, Listing | None] = _loader(_listings)
    inquiry: DataLoader[int, BookingInquiry | None] = _loader(_inquiries)
    grants_given: DataLoader[int, list[ContactGrant]] = _loader(_grants_given)
    api_keys: DataLoader[int, list[ApiKey]] = _loader(_api_keys)
    testimonials: DataLoader[int, list[Testimonial]] = _loader(_testimonials)
    policy_version: DataLoader[int, PolicyVersion | None] = _loader(_policy_versions)
