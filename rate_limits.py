"""Rate limits on the doors attackers knock on: login, register, email a friend and
unsubscribe, per IP and per account, with the `limits` library.

Counts live in memory by default, or in Redis when REDIS_URL is set, so that they
hold across API workers and hosts. Failed logins back off per account within
moving windows of at most an hour: an attacker can slow a person's sign-in, never
lock them out of a working password for good.

Every per-IP count is keyed on `client_key(ip)`: one IPv6 client gets a whole /64
(its provider hands it out, and it can pick any address inside it), so an IPv6
address counts by its /64.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import time
from collections.abc import AsyncIterator

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from errors import InvalidCredentialsError, RateLimitedError
from settings import Settings

IPV6_CLIENT_PREFIX = 64


def client_key(ip: str | None) -> str:
    """What a per-IP limit counts: an IPv4 address, or the /64 of an IPv6 one."""
    if not ip:
        return "-"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = int(address) >> (128 - IPV6_CLIENT_PREFIX) << (128 - IPV6_CLIENT_PREFIX)
        return str(ipaddress.IPv6Network((network, IPV6_CLIENT_PREFIX)))
    return str(address)


def address_key(email: str) -> str:
    """What a per-address limit counts: a digest of the normalised address, so that the
    counter store (Redis, a processor) never holds the addresses people typed."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


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
        self.login_failures = parse_many(settings.rate_limit_login_failures)
        self.login_failures_per_account = parse_many(
            settings.rate_limit_login_failures_per_account
        )
        self.inquiries_per_account = parse_many(settings.rate_limit_inquiries_per_account)
        self.inquiries_per_listing = parse_many(settings.rate_limit_inquiries_per_listing)
        self.register_per_ip = parse_many(settings.rate_limit_register_per_ip)
        self.referral_per_ip = parse_many(settings.rate_limit_referral_per_ip)
        self.unsubscribe_per_ip = parse_many(settings.rate_limit_unsubscribe_per_ip)
        self.unsubscribe_per_account = parse_many(settings.rate_limit_unsubscribe_per_account)
        self.email_change_per_account = parse_many(settings.rate_limit_email_change_per_account)
        self.email_change_per_ip = parse_many(settings.rate_limit_email_change_per_ip)
        self.password_change_failures = parse_many(settings.rate_limit_password_change_failures)

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
        """Counts every attempt per IP, and failures per (account, IP) and per account:
        guesses from one address back off that address, not the owner's."""
        account_key, client = address_key(email), client_key(ip)
        await self._hit(self.login_per_ip, "login-ip", client)
        await self._refuse_if_spent(self.login_failures, "login-fail", account_key, client)
        await self._refuse_if_spent(
            self.login_failures_per_account, "login-fail-account", account_key
        )
        try:
            yield
        except InvalidCredentialsError:
            await self._hit(self.login_failures, "login-fail", account_key, client)
            await self._hit(self.login_failures_per_account, "login-fail-account", account_key)
            raise

    @contextlib.asynccontextmanager
    async def password_change(self, account_id: int) -> AsyncIterator[None]:
        """Wrong current passwords count per account, as failed logins do."""
        await self._refuse_if_spent(self.password_change_failures, "password-fail", str(account_id))
        try:
            yield
        except InvalidCredentialsError:
            await self._hit(self.password_change_failures, "password-fail", str(account_id))
            raise

    async def register(self, ip: str | None) -> None:
        await self._hit(self.register_per_ip, "register-ip", client_key(ip))

    async def referral(self, ip: str | None) -> None:
        # Per account, the daily allowance is counted from the outbox (services/referrals.py).
        await self._hit(self.referral_per_ip, "referral-ip", client_key(ip))

    async def unsubscribe(self, ip: str | None, account_id: int | None) -> None:
        await self._hit(self.unsubscribe_per_ip, "unsubscribe-ip", client_key(ip))
        if account_id is not None:
            await self._hit(self.unsubscribe_per_account, "unsubscribe-account", str(account_id))

    async def email_change(self, ip: str | None, account_id: int) -> None:
        """Counted before the address is checked, so that EmailTaken cannot be used to
        test many addresses for an account."""
        await self._hit(self.email_change_per_ip, "email-change-ip", client_key(ip))
        await self._hit(self.email_change_per_account, "email-change-account", str(account_id))

    async def inquiry(self, account_id: int, listing_id: int | None) -> None:
        """Each inquiry mails a performer and may share both sides' details: an account
        cannot harvest the directory's contacts, nor flood one performer."""
        await self._hit(self.inquiries_per_account, "inquiry-account", str(account_id))
        if listing_id is not None:
            await self._hit(
                self.inquiries_per_listing, "inquiry-listing", str(account_id), str(listing_id)
            )
