"""Rate limits on the doors attackers knock on: login, register, email a friend and
unsubscribe, per IP and per account, with the `limits` library.

Counts live in memory by default, or in Redis when REDIS_URL is set, so that they
hold across API workers and hosts. Failed logins back off per account within
moving windows of at most an hour: an attacker can slow a person's sign-in, never
lock them out of a working password for good.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from errors import InvalidCredentialsError, RateLimitedError
from settings import Settings


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        key_prefix = settings.rate_limit_key_prefix
        if settings.redis_url:
            uri = "async+" + settings.redis_url
            storage = storage_from_string(uri, key_prefix=key_prefix)
        else:
            storage = storage_from_string("async+memory://")
        self.limiter = MovingWindowRateLimiter(storage)
        self.key_prefix = key_prefix
        self.login_per_ip = parse_many(settings.rate_limit_login_per_ip)
        self.login_failures_per_account = parse_many(settings.rate_limit_login_failures)
        self.register_per_ip = parse_many(settings.rate_limit_register_per_ip)
        self.referral_per_ip = parse_many(settings.rate_limit_referral_per_ip)
        self.unsubscribe_per_ip = parse_many(settings.rate_limit_unsubscribe_per_ip)
        self.unsubscribe_per_account = parse_many(settings.rate_limit_unsubscribe_per_account)

    async def _hit(self, items: list[RateLimitItem], *key: str) -> None:
        for item in items:
            if not await self.limiter.hit(item, self.key_prefix, *key):
                raise RateLimitedError(await self._retry_after(item, *key))

    async def _refuse_if_spent(self, items: list[RateLimitItem], *key: str) -> None:
        for item in items:
            if not await self.limiter.test(item, self.key_prefix, *key):
                raise RateLimitedError(await self._retry_after(item, *key))

    async def _retry_after(self, item: RateLimitItem, *key: str) -> int:
        stats = await self.limiter.get_window_stats(item, self.key_prefix, *key)
        return max(1, int(stats.reset_time - time.time()) + 1)

    @contextlib.asynccontextmanager
    async def login(self, ip: str | None, email: str) -> AsyncIterator[None]:
        """Counts every attempt per IP, and failures per account."""
        account_key = email.strip().lower()[:320]
        await self._hit(self.login_per_ip, "login-ip", ip or "-")
        await self._refuse_if_spent(self.login_failures_per_account, "login-fail", account_key)
        try:
            yield
        except InvalidCredentialsError:
            await self._hit(self.login_failures_per_account, "login-fail", account_key)
            raise

    async def register(self, ip: str | None) -> None:
        await self._hit(self.register_per_ip, "register-ip", ip or "-")

    async def referral(self, ip: str | None) -> None:
        # Per account, the daily allowance is counted from the outbox (mailers/send.py).
        await self._hit(self.referral_per_ip, "referral-ip", ip or "-")

    async def unsubscribe(self, ip: str | None, account_id: int | None) -> None:
        await self._hit(self.unsubscribe_per_ip, "unsubscribe-ip", ip or "-")
        if account_id is not None:
            await self._hit(self.unsubscribe_per_account, "unsubscribe-account", str(account_id))
