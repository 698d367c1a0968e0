"""Where a webhook may be sent: no request forgery.

A partner names the URL, so without a rule our worker could be made to call what only
it can reach: the cloud's metadata service, a database on the private network, an admin
port on loopback. An endpoint must be https in production, carry no credentials, use
port 443, 80 or one from 1024 up, and its host must resolve only to public internet
addresses: every A and AAAA record is checked, and one address that is loopback,
private, link-local, site-local (fec0::/10, deprecated but still routed inside some
networks), unspecified, multicast, reserved, shared (CGNAT, 100.64.0.0/10), the 6to4
relay anycast (192.88.99.0/24, which forwards into whatever IPv6 it is handed), a cloud
metadata address, or any of these inside an IPv6 form (IPv4-mapped, 6to4, NAT64)
refuses the whole name.

The check runs when the endpoint is registered and again at each delivery (DNS may have
changed since), and the delivery connects to the address the check approved, naming
the host only in the Host header and TLS's SNI, so that a second lookup cannot swap the
address in between (DNS rebinding).

WEBHOOK_ALLOW_LOOPBACK lets the tests run a receiver on loopback (refused in
production); WEBHOOK_RESOLVE stands in for DNS for the names it lists, like curl's
--resolve, and its addresses pass the same check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

import httpx

from errors import InvalidInput
from models import validation
from settings import Settings

MAX_URL_LENGTH = 2000
FIELD = "url"
# AWS, GCP and Azure (169.254.169.254), AWS's IPv6 one, ECS task metadata, Alibaba.
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
# Neither counts as private for Python's ipaddress, and both are "global" to it.
SITE_LOCAL = ipaddress.ip_network("fec0::/10")
SIXTOFOUR_RELAY = ipaddress.ip_network("192.88.99.0/24")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Ports a partner's server may listen on: the web's, and unprivileged ones (1024 up).
WEB_PORTS = frozenset({80, 443})
LOOKUP_SECONDS = 5.0
# One answer for a name that does not resolve and for one that resolves somewhere
# refused: the difference would tell a caller about names on our network.
NOT_PUBLIC = "The host must resolve, and only to public internet addresses."


@dataclass(frozen=True)
class Target:
    """Where to connect for `url`: the approved address, with the host for the Host
    header and (https) the TLS server name."""

    url: str
    address: str
    host: str
    port: int
    scheme: str

    @property
    def connect_url(self) -> httpx.URL:
        return httpx.URL(self.url).copy_with(host=self.address)

    @property
    def host_header(self) -> str:
        # An IPv6 address is written in brackets, as in the URL (RFC 9110, 7.2).
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def extensions(self) -> dict[str, str]:
        return {"sni_hostname": self.host} if self.scheme == "https" else {}


def address_allowed(address: IPv4Address | IPv6Address, *, allow_loopback: bool) -> bool:
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return address_allowed(address.ipv4_mapped, allow_loopback=allow_loopback)
        inner = address.sixtofour or (
            IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
        )
        if inner is not None and not address_allowed(inner, allow_loopback=False):
            return False
        if address.scope_id:
            return False
    if address in METADATA:
        return False
    if address.is_loopback:
        return allow_loopback
    refused = (
        address.is_private
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or address in SHARED_ADDRESS_SPACE
        or address in SITE_LOCAL
        or address in SIXTOFOUR_RELAY
    )
    return address.is_global and not refused


def parse(url: str, settings: Settings) -> httpx.URL:
    """The URL's form: scheme, credentials, port. Raises InvalidInput("url")."""
    url = validation.text(url, FIELD, max_length=MAX_URL_LENGTH)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise InvalidInput(FIELD, "This is not a valid URL.") from None
    schemes = {"https"} if settings.is_production else {"https", "http"}
    if parsed.scheme not in schemes:
        raise InvalidInput(FIELD, "Give an https:// URL.")
    if not parsed.host:
        raise InvalidInput(FIELD, "This URL has no host.")
    if parsed.userinfo:
        raise InvalidInput(FIELD, "Leave credentials out of the URL: every delivery is signed.")
    if parsed.fragment:
        raise InvalidInput(FIELD, "Leave the #fragment out: it is never sent.")
    port = parsed.port
    if port is not None and port not in WEB_PORTS and not 1024 <= port <= 65535:
        raise InvalidInput(FIELD, "Use port 443, 80, or one from 1024 to 65535.")
    return parsed


async def resolve(host: str, port: int, settings: Settings) -> list[str]:
    """Every address `host` stands for: itself when it is an address, WEBHOOK_RESOLVE's
    when it lists the name, else every A and AAAA record DNS answers now."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if host in settings.webhook_resolve:
        return list(settings.webhook_resolve[host])
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(LOOKUP_SECONDS):
            found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, TimeoutError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in found))


async def check(url: str, settings: Settings) -> Target:
    """The target `url` may be sent to now, or InvalidInput("url") saying why not."""
    parsed = parse(url, settings)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    host = parsed.raw_host.decode("ascii")  # an international name in its IDNA form
    addresses = await resolve(host, port, settings)
    try:
        approved = [ipaddress.ip_address(address) for address in addresses]
    except ValueError:
        raise InvalidInput(FIELD, NOT_PUBLIC) from None
    allow_loopback = settings.webhook_allow_loopback and not settings.is_production
    if not approved or not all(
        address_allowed(address, allow_loopback=allow_loopback) for address in approved
    ):
        raise InvalidInput(FIELD, NOT_PUBLIC)
    return Target(
        url=str(parsed),
        address=str(approved[0]),
        host=host,
        port=port,
        scheme=parsed.scheme,
    )
