"""Limits on what one signed-in account can make the API do to others: mail strangers
through changes of address, probe which addresses are registered, harvest contacts
through inquiries, or keep someone out of their account."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from main import create_app
from models.accounts import Account
from models.outbox import MailKind, OutboundEmail
from models.purposes import Purpose
from models.sharing import BookingInquiry
from settings import Settings
from tests import factories
from tests.conftest import client_for
from tests.graphql import GraphQLClient

CHANGE_EMAIL = """mutation($e: String!) { updateProfile(input: {email: $e}) {
  __typename ... on RateLimited { retryAfterSeconds } } }"""


@pytest.fixture(params=["memory", "redis"])
def limited(request, settings) -> Settings:
    """Limits kept in memory or in Redis under a prefix of this test's own."""
    extra = {"rate_limit_key_prefix": f"backline-test-{uuid.uuid4()}"}
    if request.param == "redis":
        extra["redis_url"] = "redis://127.0.0.1:6379/0"
    return Settings(**settings.model_dump(exclude=set(extra)), **extra)


async def change_email(api, person, address: str) -> str:
    result = await api.data(CHANGE_EMAIL, {"e": address}, token=person.token)
    return result["updateProfile"]["__typename"]


async def test_changes_of_address_are_limited_per_account(limited):
    # given an account allowed three changes an hour
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_email_change_per_account"}),
        rate_limit_email_change_per_account="3/hour",
    )
    ada = await factories.customer()
    async for api in client_for(settings):
        # when it asks for a fourth
        results = [await change_email(api, ada, f"new{n}@example.org") for n in range(4)]
    # then the fourth is refused and mails no one
    assert results == ["Account", "Account", "Account", "RateLimited"]
    confirmations = await OutboundEmail.filter(kind=MailKind.EMAIL_CHANGE).count()
    assert confirmations == 3
    assert (await Account.get(id=ada.account.id)).pending_email == "new2@example.org"


async def test_probing_for_registered_addresses_is_limited_per_ip(limited):
    # given registered people, and accounts of one client that probes for them
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_email_change_per_ip"}),
        rate_limit_email_change_per_ip="2/hour",
    )
    await factories.customer(email="target@example.org")
    probes = [await factories.customer() for _ in range(3)]
    async for api in client_for(settings):
        # when each of its accounts asks for a taken address
        results = [await change_email(api, probe, "target@example.org") for probe in probes]
    # then EmailTaken stops answering after the IP's allowance
    assert results == ["EmailTaken", "EmailTaken", "RateLimited"]


async def test_a_profile_update_without_an_address_is_not_counted(limited):
    # given an allowance of one change of address
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_email_change_per_account"}),
        rate_limit_email_change_per_account="1/hour",
    )
    ada = await factories.customer()
    rename = 'mutation { updateProfile(input: {name: "Ada B"}) { __typename } }'
    async for api in client_for(settings):
        # when the person edits their name several times
        names = [(await api.data(rename, token=ada.token))["updateProfile"] for _ in range(3)]
        # then those are not changes of address, and the one change still goes through
        assert {result["__typename"] for result in names} == {"Account"}
        assert await change_email(api, ada, "ada.b@example.org") == "Account"


INQUIRE = """mutation($l: ID!, $d: String!) { sendBookingInquiry(input: {listingId: $l,
  eventDate: $d, eventType: "Wedding", message: "Free that day?"}) {
  __typename ... on RateLimited { retryAfterSeconds } } }"""
SHARING = (Purpose.CONTACT_SHARING,)


async def inquire(api, person, listing_id, *, days_ahead: int = 90) -> str:
    when = (date.today() + timedelta(days=days_ahead)).isoformat()
    result = await api.data(INQUIRE, {"l": str(listing_id), "d": when}, token=person.token)
    return result["sendBookingInquiry"]["__typename"]


async def test_one_account_cannot_harvest_the_directory_through_inquiries(limited):
    # given a directory of consenting performers, and an allowance of three an hour
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_inquiries_per_account"}),
        rate_limit_inquiries_per_account="3/hour",
    )
    listings = []
    for _ in range(5):
        listings.append(await factories.listing(await factories.performer(granted=SHARING)))
    harvester = await factories.customer(granted=SHARING)
    async for api in client_for(settings):
        # when one account sends an inquiry to each
        results = [await inquire(api, harvester, listing.id) for listing in listings]
    # then only the allowance goes through, and nothing is shared past it
    assert results == ["BookingInquiry"] * 3 + ["RateLimited"] * 2
    assert await BookingInquiry.filter(customer_id=harvester.account.id).count() == 3
    assert await OutboundEmail.filter(kind=MailKind.NEW_INQUIRY).count() == 3


async def test_one_performer_is_not_flooded_by_one_account(limited):
    # given an allowance of two inquiries a day per listing
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_inquiries_per_listing"}),
        rate_limit_inquiries_per_listing="2/day",
    )
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    other = await factories.listing(await factories.performer(granted=SHARING))
    ada = await factories.customer(granted=SHARING)
    async for api in client_for(settings):
        # when one account asks about one listing again and again
        results = [await inquire(api, ada, listing.id, days_ahead=days) for days in (30, 31, 32)]
        # then the third is refused, and another performer can still be asked
        assert results == ["BookingInquiry", "BookingInquiry", "RateLimited"]
        assert await inquire(api, ada, other.id) == "BookingInquiry"
    assert await OutboundEmail.filter(recipient_id=band.account.id).count() == 2


LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on RateLimited { retryAfterSeconds } } }"""


async def client_at(app, ip: str) -> AsyncIterator[GraphQLClient]:
    """A caller at `ip`, of one app (one API worker) shared by every caller of a test."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


async def test_the_owner_signs_in_from_their_own_address_during_an_attack(limited):
    # given an attacker who has spent every failure allowed from its address
    ada = await factories.customer(email="ada@example.com")
    app = create_app(limited)
    async for attacker in client_at(app, "198.51.100.7"):
        for _ in range(5):
            await attacker.data(LOGIN, {"e": "ada@example.com", "p": "guess"})
        blocked = await attacker.data(LOGIN, {"e": "ada@example.com", "p": factories.PASSWORD})
        assert blocked["login"]["__typename"] == "RateLimited"
    # when the owner signs in from another address
    async for owner in client_at(app, "203.0.113.20"):
        result = await owner.data(LOGIN, {"e": "ada@example.com", "p": factories.PASSWORD})
    # then the attack has not locked her out
    assert result["login"]["__typename"] == "AuthPayload"
    assert ada.account.id


async def test_a_distributed_guesser_meets_the_per_account_ceiling(limited):
    # given a low ceiling per account, whatever the address
    settings = Settings(
        **limited.model_dump(exclude={"rate_limit_login_failures_per_account"}),
        rate_limit_login_failures_per_account="4/hour",
    )
    await factories.customer(email="ada@example.com")
    app = create_app(settings)
    # when guesses come from four addresses, one each
    for n in range(4):
        async for guesser in client_at(app, f"198.51.100.{n + 1}"):
            await guesser.data(LOGIN, {"e": "ada@example.com", "p": "guess"})
    # then a fifth address is refused before its password is even tried
    async for guesser in client_at(app, "198.51.100.99"):
        refused = await guesser.data(LOGIN, {"e": "ada@example.com", "p": "guess"})
    assert refused["login"]["__typename"] == "RateLimited"
