"""Rate limits on the doors attackers knock on: login, register, email a friend and
unsubscribe, per IP and per account, with the `limits` library.

Counts live in memory by default, or in Redis when REDIS_URL is set, so that they
hold across API workers and hosts. Failed logins back off per account within
moving windows of at most an hour: an attacker can slow a person's sign-in, never
lock them out of a working password for good.

When Redis stops answering, no limit goes away: each falls back to counting in this
process's memory (a client then gets the limit once per API worker, not unlimited),
says so once in the log at WARNING and on /readyz, and goes back to Redis when a ping
(every PROBE_SECONDS, in the background) answers again. Counts made meanwhile stay in
memory; Redis keeps the ones it had. No limit fails closed: refusing every login
because Redis is away would lock everyone out.

Every per-IP count is keyed on `client_key(ip)`: one IPv6 client gets a whole /64
(its provider hands it out, and it can pick any address inside it), so an IPv6
address counts by its /64.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from errors import InvalidCredentialsError, RateLimitedError
from settings import Settings

IPV6_CLIENT_PREFIX = 64
# Redis answers in a millisecond on a working network; after this long it is away.
REDIS_TIMEOUT_SECONDS = 1.0
# While counting in memory, how often a ping checks whether Redis is back.
PROBE_SECONDS = 5.0
log = logging.getLogger("backline.rate_limits")


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
        memory = storage_from_string("async+memory://")
        self.redis = None
        if settings.redis_url:
            self.redis = storage_from_string(
                "async+" + settings.redis_url,
                key_prefix=key_prefix,
                wrap_exceptions=True,
                connect_timeout=REDIS_TIMEOUT_SECONDS,
                stream_timeout=REDIS_TIMEOUT_SECONDS,
            )
        self.limiter = MovingWindowRateLimiter(self.redis or memory)
        self.in_memory = MovingWindowRateLimiter(memory)
        # Why counts are per process now that they should be shared; None when all is well.
        self.degraded: str | None = None
        self.probe_seconds = PROBE_SECONDS
        self._next_probe = 0.0
        self._probe: asyncio.Task | None = None
        self.key_prefix = key_prefix
        self.login_per_ip = parse_many(settings.rate_limit_login_per_ip)
        self.login_failures = parse_many(settings.rate_limit_login_failures)
        self.login_failures_per_account = parse_many(settings.rate_limit_login_failures_per_account)
        self.inquiries_per_account = parse_many(settings.rate_limit_inquiries_per_account)
        self.inquiries_per_listing = parse_many(settings.rate_limit_inquiries_per_listing)
        self.register_per_ip = parse_many(settings.rate_limit_register_per_ip)
        self.referral_per_ip = parse_many(settings.rate_limit_referral_per_ip)
        self.unsubscribe_per_ip = parse_many(settings.rate_limit_unsubscribe_per_ip)
        self.unsubscribe_per_account = parse_many(settings.rate_limit_unsubscribe_per_account)
        self.email_change_per_account = parse_many(settings.rate_limit_email_change_per_account)
        self.email_change_per_ip = parse_many(settings.rate_limit_email_change_per_ip)
        self.password_change_failures = parse_many(settings.rate_limit_password_change_failures)
        self.password_reset_per_address = parse_many(settings.rate_limit_password_reset_per_address)
        self.password_reset_per_ip = parse_many(settings.rate_limit_password_reset_per_ip)
        self.address_confirmation_per_account = parse_many(
            settings.rate_limit_address_confirmation_per_account
        )
        self.privacy_requests_per_account = parse_many(
            settings.rate_limit_privacy_requests_per_account
        )
        self.board_posts_per_account = parse_many(settings.rate_limit_board_posts_per_account)
        self.webhook_endpoints_per_account = parse_many(
            settings.rate_limit_webhook_endpoints_per_account
        )

    async def check(self) -> str | None:
        """Pings Redis (when used) and returns why counts are per process, or None;
        /readyz asks, so the state is fresh wherever a load balancer looks."""
        if self.redis is None:
            return None
        try:
            # Within a load balancer's patience, whatever the client's own retries.
            healthy = await asyncio.wait_for(self.redis.check(), REDIS_TIMEOUT_SECONDS)
        except Exception:  # any failure to answer a ping is Redis being away
            healthy = False
        self._next_probe = time.monotonic() + self.probe_seconds
        if healthy and self.degraded:
            log.warning("rate limits: Redis answers again; counts are shared again")
            self.degraded = None
        elif not healthy:
            self._fall_back("no answer to a ping")
        return self.degraded

    def _fall_back(self, why: str) -> None:
        if self.degraded is None:
            log.warning(
                "rate limits: Redis unreachable (%s); counting per process until it answers",
                why,
            )
        self.degraded = "redis unreachable"
        self._next_probe = time.monotonic() + self.probe_seconds

    async def _call(self, method: str, item: RateLimitItem, *key: str) -> Any:
        """One limiter call on Redis, or in memory while Redis is away."""
        if self.degraded is not None:
            if time.monotonic() >= self._next_probe and (self._probe is None or self._probe.done()):
                # In the background: no request waits on a Redis that does not answer.
                self._next_probe = time.monotonic() + self.probe_seconds
                self._probe = asyncio.create_task(self.check())
            if self.degraded is not None:
                return await getattr(self.in_memory, method)(item, self.key_prefix, *key)
        try:
            return await getattr(self.limiter, method)(item, self.key_prefix, *key)
        except StorageError as error:
            self._fall_back(type(error.storage_error).__name__)
            return await getattr(self.in_memory, method)(item, self.key_prefix, *key)

    async def _hit(self, items: list[RateLimitItem], *key: str) -> None:
        for item in items:
            if not await self._call("hit", item, *key):
                raise RateLimitedError(await self._retry_after(item, *key))

    async def _refuse_if_spent(self, items: list[RateLimitItem], *key: str) -> None:
        for item in items:
            if not await self._call("test", item, *key):
                raise RateLimitedError(await self._retry_after(item, *key))

    async def _retry_after(self, item: RateLimitItem, *key: str) -> int:
        stats = await self._call("get_window_stats", item, *key)
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
        # Per account, the daily allowance is counted from what email a friend remembers
        # (services/referrals.py).
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

    async def board_post(self, account_id: int) -> None:
        """Each post is published to everyone: no account floods the boards."""
        await self._hit(self.board_posts_per_account, "board-post-account", str(account_id))

    async def webhook_endpoint(self, account_id: int) -> None:
        """Each endpoint registered or turned back on makes us resolve a name the caller
        chose: no account turns that into a way to probe names."""
        await self._hit(
            self.webhook_endpoints_per_account, "webhook-endpoint-account", str(account_id)
        )

    async def privacy_request(self, account_id: int) -> None:
        """Each request filed mails the person and waits in staff's queue."""
        await self._hit(
            self.privacy_requests_per_account, "privacy-request-account", str(account_id)
        )

    async def password_reset(self, ip: str | None, email: str) -> bool:
        """Per IP (a refusal), and per address whether or not an account uses it: False
        when the address has had its share, and then no mail goes, but the caller is
        not refused, so that nobody can lock a person out of resetting by asking for
        their address, and the answer tells nobody who is registered."""
        await self._hit(self.password_reset_per_ip, "password-reset-ip", client_key(ip))
        try:
            await self._hit(self.password_reset_per_address, "password-reset", address_key(email))
        except RateLimitedError:
            return False
        return True

    async def address_confirmation(self, account_id: int) -> None:
        await self._hit(
            self.address_confirmation_per_account, "address-confirmation", str(account_id)
        )

    async def inquiry(self, account_id: int, listing_id: int | None) -> None:
        """Each inquiry mails a performer and may share both sides' details: an account
        cannot harvest the directory's contacts, nor flood one performer."""
        await self._hit(self.inquiries_per_account, "inquiry-account", str(account_id))
        if listing_id is not None:
            await self._hit(
                self.inquiries_per_listing, "inquiry-listing", str(account_id), str(listing_id)
            )
