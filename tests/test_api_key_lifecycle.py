"""A partner's key can be given an expiry, shows when it was last used, and can be
rotated without an outage: the old secret works for a grace period, then never."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models.api_keys import ApiKey
from models.auth import KEY_TOUCH_INTERVAL
from models.purposes import Purpose
from services.api_keys import MAX_LIVE_KEYS
from tests import factories

SHARING = (Purpose.CONTACT_SHARING,)
CREATE = """
mutation Create($input: ApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on ApiKey { id token expiresAt }
    ... on ValidationError { field message }
  }
}
"""
ROTATE = """
mutation Rotate($id: ID!, $grace: Int) {
  rotateApiKey(id: $id, graceMinutes: $grace) {
    __typename
    ... on ApiKey { id token previousSecretValidUntil }
    ... on ValidationError { field message }
    ... on NotFound { message }
    ... on NotAuthorized { message }
  }
}
"""
KEYS = "{ me { apiKeys { id lastUsedAt expiresAt previousSecretValidUntil } } }"
SHARED = "{ sharedContacts { edges { node { name } } } }"


async def band_with_a_contact():
    band = await factories.performer(granted=SHARING)
    ada = await factories.customer(name="Ada", granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))
    return band


async def names_read(api, key: str) -> list[str]:
    edges = (await api.data(SHARED, token=key))["sharedContacts"]["edges"]
    return [edge["node"]["name"] for edge in edges]


async def create(api, person, **extra):
    variables = {"input": {"name": "CRM", "scopes": ["CONTACTS_READ"], **extra}}
    return (await api.data(CREATE, variables, token=person.token))["createApiKey"]


async def test_a_key_with_an_expiry_reads_until_then_and_nothing_after(api):
    # given a key that expires in a day
    band = await band_with_a_contact()
    expiry = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    created = await create(api, band, expiresAt=expiry)
    assert created["__typename"] == "ApiKey" and created["expiresAt"]
    assert await names_read(api, created["token"]) == ["Ada"]
    # when its expiry passes
    await ApiKey.filter(id=int(created["id"])).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    # then it reads nothing, as a revoked key does
    assert await names_read(api, created["token"]) == []


async def test_an_expiry_in_the_past_too_far_ahead_or_without_a_zone_is_refused(api):
    band = await factories.performer()
    for expiry in (
        (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        (datetime.now(UTC) + timedelta(days=731)).isoformat(),
        "2030-01-01T00:00:00",
    ):
        refused = await create(api, band, expiresAt=expiry)
        assert (refused["__typename"], refused["field"]) == ("ValidationError", "expiresAt")
    assert await ApiKey.filter(owner_id=band.account.id).count() == 0


async def test_the_last_use_is_recorded_at_most_once_per_interval(api):
    # given a key never used
    band = await band_with_a_contact()
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    assert (await api.data(KEYS, token=band.token))["me"]["apiKeys"][0]["lastUsedAt"] is None
    # when it reads twice
    await names_read(api, key)
    first = (await ApiKey.get(owner_id=band.account.id)).last_used_at
    await names_read(api, key)
    # then the first use is recorded, and the second, moments later, writes nothing
    assert first is not None
    assert (await ApiKey.get(owner_id=band.account.id)).last_used_at == first
    shown = (await api.data(KEYS, token=band.token))["me"]["apiKeys"][0]["lastUsedAt"]
    assert shown is not None
    # and once the interval has passed, the next use is recorded again
    stale = datetime.now(UTC) - KEY_TOUCH_INTERVAL - timedelta(seconds=1)
    await ApiKey.filter(owner_id=band.account.id).update(last_used_at=stale)
    await names_read(api, key)
    assert (await ApiKey.get(owner_id=band.account.id)).last_used_at > stale


async def test_a_rotated_key_has_a_new_secret_and_the_old_one_works_for_the_grace_period(api):
    # given a key in use
    band = await band_with_a_contact()
    created = await create(api, band)
    old = created["token"]
    # when its owner rotates it with an hour's grace
    rotated = (await api.data(ROTATE, {"id": created["id"], "grace": 60}, token=band.token))[
        "rotateApiKey"
    ]
    # then the new secret is shown once and works, and so does the old one for now
    assert rotated["__typename"] == "ApiKey" and rotated["id"] == created["id"]
    new = rotated["token"]
    assert new and new != old
    assert rotated["previousSecretValidUntil"] is not None
    assert await names_read(api, new) == ["Ada"]
    assert await names_read(api, old) == ["Ada"]
    assert (await api.data(KEYS, token=band.token))["me"]["apiKeys"][0]["previousSecretValidUntil"]
    # and once the grace period ends, only the new secret works
    await ApiKey.filter(id=int(created["id"])).update(
        previous_token_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await names_read(api, old) == []
    assert await names_read(api, new) == ["Ada"]


async def test_rotating_without_grace_or_twice_leaves_only_the_newest_secret(api):
    band = await band_with_a_contact()
    created = await create(api, band)
    # without grace the old secret dies at once
    first = (await api.data(ROTATE, {"id": created["id"], "grace": 0}, token=band.token))[
        "rotateApiKey"
    ]
    assert first["previousSecretValidUntil"] is None
    assert await names_read(api, created["token"]) == []
    # rotating again within a grace period keeps only the secret being replaced
    second = (await api.data(ROTATE, {"id": created["id"]}, token=band.token))["rotateApiKey"]
    third = (await api.data(ROTATE, {"id": created["id"]}, token=band.token))["rotateApiKey"]
    assert await names_read(api, first["token"]) == []
    assert await names_read(api, second["token"]) == ["Ada"]
    assert await names_read(api, third["token"]) == ["Ada"]


async def test_a_revoked_key_stops_with_both_its_secrets(api):
    band = await band_with_a_contact()
    created = await create(api, band)
    rotated = (await api.data(ROTATE, {"id": created["id"]}, token=band.token))["rotateApiKey"]
    await ApiKey.filter(id=int(created["id"])).update(revoked_at=datetime.now(UTC))
    assert await names_read(api, created["token"]) == []
    assert await names_read(api, rotated["token"]) == []


async def test_nobody_rotates_someone_elses_key_nor_a_dead_one(api):
    # given Ada's key, and a key of the band's that expired
    band = await band_with_a_contact()
    ada = await factories.customer()
    adas = await create(api, ada)
    expired = await create(api, band)
    await ApiKey.filter(id=int(expired["id"])).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    before = await ApiKey.get(id=int(adas["id"]))
    # when the band tries to rotate Ada's key, its own expired key, or a garbage id
    for target in (adas["id"], expired["id"], "999999", "not-an-id"):
        answer = (await api.data(ROTATE, {"id": target}, token=band.token))["rotateApiKey"]
        assert answer["__typename"] == "NotFound", target
    # and a key tries to rotate itself
    answer = (await api.data(ROTATE, {"id": adas["id"]}, token=adas["token"]))["rotateApiKey"]
    assert answer["__typename"] == "NotAuthorized"
    # then Ada's key is unchanged
    after = await ApiKey.get(id=int(adas["id"]))
    assert (after.token_hash, after.previous_token_hash) == (before.token_hash, None)


async def test_a_grace_period_beyond_the_maximum_is_refused_and_changes_nothing(api):
    band = await factories.performer()
    created = await create(api, band)
    before = await ApiKey.get(id=int(created["id"]))
    for grace in (-1, 10_081):
        answer = (await api.data(ROTATE, {"id": created["id"], "grace": grace}, token=band.token))[
            "rotateApiKey"
        ]
        assert (answer["__typename"], answer["field"]) == ("ValidationError", "graceMinutes")
    assert (await ApiKey.get(id=int(created["id"]))).token_hash == before.token_hash


async def test_expired_keys_do_not_count_toward_the_live_key_limit(api):
    # given as many keys as one may have, all expired
    band = await factories.performer()
    for _ in range(MAX_LIVE_KEYS):
        await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    assert (await create(api, band))["__typename"] == "ValidationError"
    await ApiKey.filter(owner_id=band.account.id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    # then a new key can be made
    assert (await create(api, band))["__typename"] == "ApiKey"


async def test_keys_made_at_the_same_moment_cannot_pass_the_limit(api):
    # given one place left under the limit
    band = await factories.performer()
    for _ in range(MAX_LIVE_KEYS - 1):
        await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    # when six keys are asked for at once
    results = await asyncio.gather(*(create(api, band) for _ in range(6)))
    # then exactly one took it
    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["ApiKey"] + ["ValidationError"] * 5
    assert await ApiKey.filter(owner_id=band.account.id).count() == MAX_LIVE_KEYS
