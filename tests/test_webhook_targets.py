"""The rule of where a webhook may go (privacy/webhook_targets.py), case by case: each
refusal with its own message on the `url` field, each kind of address, and where the
delivery then connects. The API's side (registration, delivery) is in test_webhooks.py."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest
from cryptography.fernet import Fernet

from errors import InvalidInput
from privacy import webhook_targets
from privacy.webhook_targets import NOT_PUBLIC, Target, address_allowed, check, parse, resolve
from settings import Settings

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"
CREDENTIALS = "Leave credentials out of the URL: every delivery is signed."


def development(**overrides) -> Settings:
    return Settings(app_env="development", **overrides)


def production(**overrides) -> Settings:
    return Settings(
        app_env="production",
        secret_key="p" * 48,
        encryption_keys=Fernet.generate_key().decode(),
        **overrides,
    )


def refusal(url: str, settings: Settings | None = None) -> str:
    with pytest.raises(InvalidInput) as refused:
        parse(url, settings or development())
    assert refused.value.field == "url"
    return refused.value.message


# The form of the URL


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Give an https:// URL."),
        ("ftp://partner.example/hook", "Give an https:// URL."),
        ("http://[::1/hook", "This is not a valid URL."),
        ("http:///hook", "This URL has no host."),
        ("https://user:secret@partner.example/hook", CREDENTIALS),
        ("https://user@partner.example/hook", CREDENTIALS),
        ("https://partner.example/hook#part", "Leave the #fragment out: it is never sent."),
        ("https://partner.example:22/hook", "Use port 443, 80, or one from 1024 to 65535."),
        ("https://partner.example:1023/hook", "Use port 443, 80, or one from 1024 to 65535."),
        ("https://partner.example:81/hook", "Use port 443, 80, or one from 1024 to 65535."),
        ("https://partner.example:0/hook", "Use port 443, 80, or one from 1024 to 65535."),
    ],
)  # fmt: skip
def test_each_bad_form_is_refused_with_its_own_message(url, message):
    assert refusal(url) == message


@pytest.mark.parametrize("port", [80, 443, 1024, 8443, 65535])
def test_the_web_ports_and_every_unprivileged_one_are_accepted(port):
    assert parse(f"https://partner.example:{port}/hook", development()).port in (port, None)


def test_a_port_past_65535_is_no_url():
    assert refusal("https://partner.example:65536/hook") in {
        "This is not a valid URL.",
        "Use port 443, 80, or one from 1024 to 65535.",
    }


def test_production_takes_https_only_and_development_http_too():
    assert refusal("http://partner.example/hook", production()) == "Give an https:// URL."
    assert parse("https://partner.example/hook", production()).scheme == "https"
    assert parse("http://partner.example/hook", development()).scheme == "http"


def test_a_url_is_at_most_2000_characters_on_one_line():
    base = "https://partner.example/"
    assert parse(base + "a" * (2000 - len(base)), development())
    assert refusal(base + "a" * (2001 - len(base)))
    assert refusal(base + "a\nb")


# Each kind of address


ALLOWED = [PUBLIC_V4, PUBLIC_V6, f"::ffff:{PUBLIC_V4}", "2002:5db8:d822::1"]
REFUSED = [
    "10.0.0.1", "172.16.5.4", "192.168.0.10", "192.0.2.1", "198.18.0.1", "2001:db8::1",
    "fd12::1", "169.254.1.1", "fe80::1", "0.0.0.0", "::",  # noqa: S104 "224.0.0.1", "ff0e::1",
    "240.0.0.1", "255.255.255.255", "100.64.0.1", "100.127.255.254", "fec0::1",
    "192.88.99.1", "169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200",
    "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:a9fe:a9fe::1", "2002:c058:6301::1",
    "2002:0a00:0001::1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1", f"{PUBLIC_V6}%1",
]  # fmt: skip


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address):
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=False) is True


@pytest.mark.parametrize("address", REFUSED)
@pytest.mark.parametrize("allow_loopback", [False, True])
def test_internal_addresses_are_refused_even_where_loopback_is_allowed(address, allow_loopback):
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=allow_loopback) is False


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_only_where_the_tests_allow_it(address):
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=False) is False
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=True) is True


@pytest.mark.parametrize("address", ["2002:7f00:1::1", "64:ff9b::7f00:1"])
def test_loopback_inside_6to4_or_nat64_is_never_allowed(address):
    # the tests' receiver is reached as loopback itself, never through a translation
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=True) is False


# Names


async def test_an_address_resolves_to_itself_and_a_listed_name_to_its_addresses():
    settings = development(webhook_resolve={"partner.test": [PUBLIC_V4, PUBLIC_V6]})
    assert await resolve(PUBLIC_V4, 443, settings) == [PUBLIC_V4]
    assert await resolve("2606:2800:220:1:248:1893:25c8:1946", 443, settings) == [PUBLIC_V6]
    assert await resolve("partner.test", 443, settings) == [PUBLIC_V4, PUBLIC_V6]


async def test_dns_answers_every_address_once(monkeypatch):
    asked = []

    async def getaddrinfo(host, port, *, type):  # noqa: A002 (the loop's own name)
        asked.append((host, port, type))
        return [
            (socket.AF_INET, type, 6, "", (PUBLIC_V4, port)),
            (socket.AF_INET6, type, 6, "", (PUBLIC_V6, port, 0, 0)),
            (socket.AF_INET, type, 6, "", (PUBLIC_V4, port)),
        ]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    assert await resolve("partner.example", 8443, development()) == [PUBLIC_V4, PUBLIC_V6]
    assert asked == [("partner.example", 8443, socket.SOCK_STREAM)]


@pytest.mark.parametrize("error", [OSError("no such name"), UnicodeError("bad label")])
async def test_a_name_dns_cannot_answer_resolves_to_nothing(monkeypatch, error):
    async def getaddrinfo(host, port, *, type):  # noqa: A002
        raise error

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    assert await resolve("nowhere.example", 443, development()) == []


async def test_a_slow_lookup_gives_up_after_the_lookup_time(monkeypatch):
    async def getaddrinfo(host, port, *, type):  # noqa: A002
        await asyncio.sleep(60)

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(webhook_targets, "LOOKUP_SECONDS", 0.05)
    assert await resolve("slow.example", 443, development()) == []


# The check, and where the delivery connects


async def test_the_check_approves_the_first_address_and_names_the_host_for_tls():
    settings = development(webhook_resolve={"partner.test": [PUBLIC_V4, PUBLIC_V6]})
    target = await check("https://partner.test/hook?x=1", settings)
    assert target == Target(
        url="https://partner.test/hook?x=1",
        address=PUBLIC_V4,
        host="partner.test",
        port=443,
        scheme="https",
    )
    assert str(target.connect_url) == f"https://{PUBLIC_V4}/hook?x=1"
    assert target.host_header == "partner.test"
    assert target.extensions == {"sni_hostname": "partner.test"}


async def test_plain_http_has_no_tls_name_and_a_port_is_in_the_host_header():
    settings = development(webhook_resolve={"partner.test": [PUBLIC_V4]})
    plain = await check("http://partner.test/hook", settings)
    assert (plain.port, plain.host_header, plain.extensions) == (80, "partner.test", {})
    other_port = await check("http://partner.test:8080/hook", settings)
    assert (other_port.port, other_port.host_header) == (8080, "partner.test:8080")
    https_on_80 = await check("https://partner.test:80/hook", settings)
    assert https_on_80.host_header == "partner.test:80"
    http_on_443 = await check("http://partner.test:443/hook", settings)
    assert http_on_443.host_header == "partner.test:443"


async def test_an_ipv6_host_is_bracketed_in_the_host_header_with_its_port():
    target = await check(f"http://[{PUBLIC_V6}]:8080/hook", development())
    assert target.host_header == f"[{PUBLIC_V6}]:8080"
    assert target.address == PUBLIC_V6


async def test_an_international_name_is_looked_up_and_sent_in_its_idna_form():
    settings = development(webhook_resolve={"xn--bcher-kva.example": [PUBLIC_V4]})
    target = await check("https://bücher.example/hook", settings)
    assert (target.host, target.host_header) == ("xn--bcher-kva.example", "xn--bcher-kva.example")


@pytest.mark.parametrize(
    "addresses",
    [[], ["10.0.0.7"], [PUBLIC_V4, "10.0.0.7"], ["10.0.0.7", PUBLIC_V4], ["not-an-address"]],
)
async def test_a_name_with_no_address_or_any_internal_one_is_refused_with_one_message(addresses):
    settings = development(webhook_resolve={"partner.test": addresses})
    with pytest.raises(InvalidInput) as refused:
        await check("https://partner.test/hook", settings)
    assert (refused.value.field, refused.value.message) == ("url", NOT_PUBLIC)
    assert NOT_PUBLIC == "The host must resolve, and only to public internet addresses."


async def test_loopback_passes_only_with_the_tests_setting_and_never_in_production():
    url = "http://127.0.0.1:8080/hook"
    with pytest.raises(InvalidInput):
        await check(url, development())
    assert (await check(url, development(webhook_allow_loopback=True))).address == "127.0.0.1"
    # production refuses the setting itself (settings.py); were it set anyway, the rule
    # still refuses loopback there
    forced = production().model_copy(update={"webhook_allow_loopback": True})
    with pytest.raises(InvalidInput):
        await check("https://127.0.0.1:8443/hook", forced)
