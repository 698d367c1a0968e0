"""Redis gone (a redis-server of this test's own, killed and started again): no rate
limit vanishes. Each falls back to counting in the process's memory, says so once in
the log and on /readyz (still 200: the API serves), and counts in Redis again, shared
by every process, once Redis answers. With several API workers and a real server:
`python -m bench.faults --only redis`."""

from __future__ import annotations

import logging
import uuid

import pytest

from bench.faults.processes import PrivateRedis, Unavailable
from rate_limits import RateLimits
from settings import Settings
from tests.conftest import client_for
from tests.test_rate_limits import LOGIN, REGISTER

DEGRADED = "ready (rate limits per process: redis unreachable)"


@pytest.fixture
def redis():
    try:
        server = PrivateRedis()
    except Unavailable as missing:
        pytest.skip(str(missing))
    with server:
        yield server


@pytest.fixture
def limited(settings, redis) -> Settings:
    return settings.model_copy(
        update={
            "redis_url": redis.url,
            "rate_limit_key_prefix": f"faults-{uuid.uuid4()}",
            "rate_limit_login_failures": "3/minute",
            "rate_limit_register_per_ip": "2/hour",
        }
    )


@pytest.fixture
async def api(limited):
    # Made before caplog (the app configures logging), so that caplog sees its lines.
    async for client in client_for(limited):
        yield client


async def failed_logins_until_refused(api, email: str, tries: int = 10) -> int | None:
    for n in range(1, tries + 1):
        answer = (await api.data(LOGIN, {"e": email, "p": "wrong guess"}))["login"]
        if answer["__typename"] == "RateLimited":
            return n
    return None


async def test_without_redis_login_and_register_limits_still_hold_and_readyz_says_so(
    api, redis, caplog
):
    caplog.set_level(logging.INFO, logger="backline.rate_limits")
    assert (await api.http.get("/readyz")).text == "ready"
    # given Redis is gone
    redis.kill()
    # when someone guesses a password, and registers again and again
    refused_at = await failed_logins_until_refused(api, "ada@example.com")
    registered = [
        (await api.data(REGISTER, {"e": f"n{n}@example.com"}))["register"]["__typename"]
        for n in range(3)
    ]
    # then both are still limited, counted in this process
    assert refused_at == 4
    assert registered == ["AuthPayload", "AuthPayload", "RateLimited"]
    # and the API still serves, saying how it counts now, in the log once too
    ready = await api.http.get("/readyz")
    assert (ready.status_code, ready.text) == (200, DEGRADED)
    assert caplog.text.count("rate limits: Redis unreachable") == 1


async def test_when_redis_answers_again_the_counts_are_shared_again(api, limited, redis, caplog):
    caplog.set_level(logging.INFO, logger="backline.rate_limits")
    # given Redis went away, and the API noticed
    redis.kill()
    await failed_logins_until_refused(api, "ada@example.com", tries=1)
    assert (await api.http.get("/readyz")).text == DEGRADED
    # when it is back (the load balancer's next look at /readyz pings it)
    redis.start()
    assert (await api.http.get("/readyz")).text == "ready"
    assert "counts are shared again" in caplog.text
    # then failures count in Redis: another process (another RateLimits on the same
    # Redis) sees them
    await failed_logins_until_refused(api, "bob@example.com", tries=3)
    other_process = RateLimits(limited)
    assert await failed_logins_in(other_process, "bob@example.com") == 0


async def failed_logins_in(limits: RateLimits, email: str) -> int:
    """How many more failed logins `limits` allows for `email` from the test's IP."""
    from rate_limits import address_key, client_key

    item = limits.login_failures[0]
    stats = await limits._call(
        "get_window_stats", item, "login-fail", address_key(email), client_key("203.0.113.9")
    )
    return stats.remaining


async def test_a_redis_that_stays_away_is_pinged_in_the_background_not_per_request(limited, redis):
    # given a rate limiter that found Redis gone
    limits = RateLimits(limited)
    limits.probe_seconds = 0
    redis.kill()
    await limits.register("198.51.100.7")
    assert limits.degraded == "redis unreachable"
    # when Redis returns, and requests go on after the ping interval
    redis.start()
    await limits.register("198.51.100.7")  # counted in memory; starts a ping
    await limits._probe
    # then the ping found it, and the next count goes to Redis again
    assert limits.degraded is None
