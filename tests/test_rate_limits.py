"""Login, register, email a friend and unsubscribe are rate limited per IP and per
account, in memory or in Redis (shared by every worker)."""

from __future__ import annotations

import asyncio
import uuid

import coredis
import httpx
import pytest

from main import create_app
from models.accounts import Account
from models.purposes import Purpose
from models.tokens import LinkSigner
from privacy.unsubscribe import make_token
from settings import Settings
from tests import factories
from tests.conftest import client_for
from tests.graphql import GraphQLClient

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on RateLimited { retryAfterSeconds } } }"""
REGISTER = """mutation($e: String!) { register(input: {name: "N", email: $e,
  password: "a long enough password", role: CUSTOMER, consents: {promotionalEmails: false,
  partnerPromotions: false, contactSharing: false, targetedAds: false}}) { __typename } }"""
REFER = """mutation($e: String!) { sendReferral(input: {friendName: "F", friendEmail: $e})
  { __typename } }"""
UNSUBSCRIBE = "mutation($t: String!) { unsubscribe(token: $t) { __typename } }"


@pytest.fixture(params=["memory", "redis"])
def limited(request, settings) -> Settings:
    """Small limits, kept in memory or in Redis under a prefix of this test's own."""
    extra = {"rate_limit_key_prefix": f"backline-test-{uuid.uuid4()}"}
    if request.param == "redis":
        extra["redis_url"] = "redis://127.0.0.1:6379/0"
    return Settings(
        **settings.model_dump(exclude=set(extra) | {"rate_limit_login_failures"}),
        **extra,
        rate_limit_login_failures="3/2 second",
    )


async def login(client, email, password):
    return (await client.data(LOGIN, {"e": email, "p": password}))["login"]


async def test_failed_logins_back_off_per_account_for_a_while_only(limited):
    ada = await factories.customer(email="ada@example.com")
    async for api in client_for(limited):
        for _ in range(3):
            assert (await login(api, "ada@example.com", "wrong"))["__typename"] == (
                "InvalidCredentials"
            )
        # the right password waits too, so guessing gains nothing
        refused = await login(api, "ada@example.com", factories.PASSWORD)
        assert refused["__typename"] == "RateLimited" and refused["retryAfterSeconds"] >= 1
        # another account is not affected
        await factories.customer(email="bob@example.com")
        assert (await login(api, "bob@example.com", factories.PASSWORD))["__typename"] == (
            "AuthPayload"
        )
        # and the window passes: no one is locked out of a working password for good
        await asyncio.sleep(2.1)
        assert (await login(api, "ada@example.com", factories.PASSWORD))["__typename"] == (
            "AuthPayload"
        )
    assert ada.account.id


async def test_logins_are_limited_per_ip(limited):
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_login_per_ip"}),
        rate_limit_login_per_ip="4/minute",
    )
    async for api in client_for(settings):
        for number in range(4):
            await login(api, f"nobody{number}@example.com", "x")
        assert (await login(api, "someone@example.com", "x"))["__typename"] == "RateLimited"


async def test_registrations_are_limited_per_ip_and_nothing_is_stored_over_it(limited):
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_register_per_ip"}),
        rate_limit_register_per_ip="2/hour",
    )
    async for api in client_for(settings):
        for number in range(2):
            result = await api.data(REGISTER, {"e": f"new{number}@example.com"})
            assert result["register"]["__typename"] == "AuthPayload"
        over = await api.data(REGISTER, {"e": "new9@example.com"})
        assert over["register"]["__typename"] == "RateLimited"
    assert not await Account.exists(email="new9@example.com")


async def test_referrals_are_limited_per_ip(limited):
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_referral_per_ip"}),
        rate_limit_referral_per_ip="2/day",
    )
    people = [await factories.customer() for _ in range(3)]
    async for api in client_for(settings):
        results = [
            (await api.data(REFER, {"e": f"f{n}@example.org"}, token=person.token))["sendReferral"][
                "__typename"
            ]
            for n, person in enumerate(people)
        ]
    assert results == ["ReferralSent", "ReferralSent", "RateLimited"]


async def test_unsubscribe_is_limited_per_account(limited):
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_unsubscribe_per_account"}),
        rate_limit_unsubscribe_per_account="2/minute",
    )
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    token = make_token(
        LinkSigner(settings.secret_key.get_secret_value()),
        ada.account.id,
        Purpose.PROMOTIONAL_EMAILS,
    )
    async for api in client_for(settings):
        results = [
            (await api.data(UNSUBSCRIBE, {"t": token}))["unsubscribe"]["__typename"]
            for _ in range(3)
        ]
        page = await api.http.post(f"/unsubscribe/{token}")
    assert results == ["Unsubscribed", "Unsubscribed", "RateLimited"]
    assert page.status_code == 429 and int(page.headers["retry-after"]) >= 1


async def test_with_redis_the_counts_are_shared_by_every_worker(settings):
    shared = Settings(
        **settings.model_dump(
            exclude={"rate_limit_key_prefix", "redis_url", "rate_limit_login_failures"}
        ),
        redis_url="redis://127.0.0.1:6379/0",
        rate_limit_key_prefix=f"backline-test-{uuid.uuid4()}",
        rate_limit_login_failures="3/minute",
    )
    await factories.customer(email="ada@example.com")
    # two apps stand for two uvicorn workers
    async for first in client_for(shared):
        async for second in client_for(shared):
            await login(first, "ada@example.com", "wrong")
            await login(second, "ada@example.com", "wrong")
            await login(first, "ada@example.com", "wrong")
            assert (await login(second, "ada@example.com", factories.PASSWORD))[
                "__typename"
            ] == "RateLimited"
    # and Redis, a processor, holds counters but never the address that was typed
    redis = coredis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = [key async for key in redis.scan_iter(f"*{shared.rate_limit_key_prefix}*")]
    assert keys and not any(b"ada@example.com" in key for key in keys)


async def unsubscribe_from(app, ip: str) -> str:
    """One unsubscribe attempt from `ip` (a garbled token: only the per-IP count matters)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        result = await GraphQLClient(http).data(UNSUBSCRIBE, {"t": "garbage"})
    return result["unsubscribe"]["__typename"]


async def test_an_ipv6_client_is_limited_by_its_64_and_ipv4_by_its_address(limited):
    # given one unsubscribe per IP and minute
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_unsubscribe_per_ip"}),
        rate_limit_unsubscribe_per_ip="1/minute",
    )
    app = create_app(settings)
    # when one client spends its allowance and then moves within its /64
    assert await unsubscribe_from(app, "2001:db8:1:2::a") == "InvalidToken"
    assert await unsubscribe_from(app, "2001:db8:1:2:ffff:1:2:3") == "RateLimited"
    # then a client in another /64 still has its own
    assert await unsubscribe_from(app, "2001:db8:1:3::a") == "InvalidToken"
    # and an IPv4 client is one address, written either way
    assert await unsubscribe_from(app, "198.51.100.7") == "InvalidToken"
    assert await unsubscribe_from(app, "::ffff:198.51.100.7") == "RateLimited"
    assert await unsubscribe_from(app, "198.51.100.8") == "InvalidToken"
