"""Webhooks: a partner registers an endpoint for its key and receives CONTACT_SHARED,
SHARE_ENDED and INQUIRY_RECEIVED, each once, signed per the Standard Webhooks spec and
thin (ids and times, never a person's details or words: the partner reads those through
the API, which checks consent and audits the read); failures are retried, a run of them
disables the endpoint and mails its owner; and no endpoint can point the worker at our
own network."""

from __future__ import annotations

import asyncio
import inspect
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from cryptography.fernet import Fernet
from standardwebhooks import Webhook, WebhookVerificationError

import encryption
from mailers.worker import Worker
from models import crypto
from models.accounts import Account
from models.api_keys import ApiKey
from models.audit import AuditEvent
from models.purposes import Purpose
from models.sharing import ContactGrant
from models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from privacy import webhook_targets
from services import api_keys
from settings import Settings
from tests import factories
from tests.conftest import POSTGRES_URL, client_for
from tests.webhook_receiver import Receiver
from webhooks.worker import WebhookWorker

SHARING = (Purpose.CONTACT_SHARING,)
CONTACTS, LISTINGS = factories.ApiScope.CONTACTS_READ, factories.ApiScope.LISTINGS_READ
ALL_EVENTS = ["CONTACT_SHARED", "SHARE_ENDED", "INQUIRY_RECEIVED"]
REGISTER = """
mutation Register($input: WebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpoint { id secret url events }
    ... on ValidationError { field message }
    ... on NotFound { message }
    ... on NotAuthorized { message }
    ... on LimitReached { limit }
  }
}
"""
ENDPOINTS = """
{ me { webhookEndpoints { id url secret disabledAt disabledReason failuresInARow
  deliveries(first: 20) { edges { node { event state attempts statusCode error messageId
    deliveredAt } } } } } }
"""
MANAGE = """
mutation Manage($id: ID!) {
  %s(id: $id) { __typename ... on WebhookEndpoint { id disabledAt } ... on NotFound { message } }
}
"""
SHARED_CONTACTS = "{ sharedContacts { edges { node { id name email phone } } } }"
RECEIVED = "{ receivedInquiries { edges { node { id eventType message askedBy { name } } } } }"
# Everything a message's `data` may hold: ids and times, as the API names them.
THIN = {"shareId", "sharedAt", "endedAt", "inquiryId", "createdAt"}
REVOKE_SHARE = "mutation R($id: ID!) { revokeContactShare(id: $id) { __typename } }"
WITHDRAW = "mutation { updatePrivacyPreferences(input: {contactSharing: false}) { __typename } }"


@pytest.fixture
def hook_settings(settings: Settings, smtp_server) -> Settings:
    """Receivers on loopback (tests only), retries at once, mail to the loopback server."""
    return settings.model_copy(
        update={
            "webhook_allow_loopback": True,
            "webhook_retry_base_seconds": 0.0,
            "smtp_port": smtp_server.port,
            "mail_retry_base_seconds": 0.0,
        }
    )


@pytest.fixture
async def hooks(hook_settings):
    async for client in client_for(hook_settings):
        yield client


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


async def key_for(person, *scopes) -> str:
    key, _token = await api_keys.create_key(person.account, "Our CRM", list(scopes))
    return str(key.id)


async def register(api, person, key_id, url, events=ALL_EVENTS, acknowledge=True) -> dict:
    variables = {
        "input": {
            "apiKeyId": key_id,
            "url": url,
            "events": events,
            "acknowledgeDeletionDuty": acknowledge,
        }
    }
    return (await api.data(REGISTER, variables, token=person.token))["createWebhookEndpoint"]


@dataclass
class Partner:
    band: factories.Person
    listing: factories.Listing
    endpoint: dict
    # The band's tool reading through its key (not a session): what the endpoint is for.
    key: factories.Person


async def partner(api, receiver, events=ALL_EVENTS) -> Partner:
    """A band with a key that reads contacts and inquiries, and an endpoint for it."""
    band = await factories.performer(name="The Band", granted=SHARING)
    listing = await factories.listing(band, title="Wedding band")
    key, token = await api_keys.create_key(band.account, "Our CRM", [CONTACTS, LISTINGS])
    endpoint = await register(api, band, str(key.id), receiver.url, events)
    assert endpoint["__typename"] == "WebhookEndpoint", endpoint
    return Partner(band, listing, endpoint, factories.Person(band.account, token))


async def partner_band(api, receiver, events=ALL_EVENTS):
    made = await partner(api, receiver, events)
    return made.band, made.listing, made.endpoint


async def test_each_event_arrives_once_signed_and_the_log_says_so(hooks, hook_settings, receiver):
    # given a band with an endpoint for every event, and a customer who asks it
    band, listing, endpoint = await partner_band(hooks, receiver)
    assert endpoint["secret"].startswith("whsec_")
    ada = await factories.customer(name="Ada", email="ada@example.com", granted=SHARING)
    await factories.inquiry(ada, listing, message="Are you free?")
    # when the worker runs (twice: nothing goes twice)
    worker = WebhookWorker(hook_settings)
    assert (await worker.drain()).delivered == 2
    assert (await worker.drain()).handled == 0
    # then the band was told of the inquiry and of Ada's share, each verified with its
    # secret, by their ids and times
    events = {event["type"]: event for event in receiver.events(endpoint["secret"])}
    assert set(events) == {"INQUIRY_RECEIVED", "CONTACT_SHARED"}
    shared = await ContactGrant.get(owner_id=ada.account.id)
    assert events["CONTACT_SHARED"]["data"] == {
        "shareId": str(shared.id),
        "sharedAt": events["CONTACT_SHARED"]["timestamp"],
    }
    assert events["INQUIRY_RECEIVED"]["data"] == {
        "inquiryId": str(shared.inquiry_id),
        "createdAt": events["INQUIRY_RECEIVED"]["timestamp"],
    }
    # when Ada revokes the share
    await hooks.data(REVOKE_SHARE, {"id": str(shared.id)}, token=ada.token)
    assert (await worker.drain()).delivered == 1
    ended = receiver.events(endpoint["secret"])[-1]
    revoked = await ContactGrant.get(id=shared.id)
    assert ended == {
        "type": "SHARE_ENDED",
        "timestamp": revoked.revoked_at.isoformat(),
        "data": {"shareId": str(shared.id), "endedAt": revoked.revoked_at.isoformat()},
    }
    # each message once, and the owner's log shows three deliveries
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == len(set(ids)) == 3
    [mine] = (await hooks.data(ENDPOINTS, token=band.token))["me"]["webhookEndpoints"]
    log = [edge["node"] for edge in mine["deliveries"]["edges"]]
    assert [(d["event"], d["state"], d["statusCode"]) for d in log] == [
        ("SHARE_ENDED", "DELIVERED", 204),
        ("CONTACT_SHARED", "DELIVERED", 204),
        ("INQUIRY_RECEIVED", "DELIVERED", 204),
    ]
    assert mine["secret"] is None and sorted(d["messageId"] for d in log) == sorted(ids)


async def test_the_customer_is_told_of_the_performers_contact_too(hooks, hook_settings, receiver):
    band = await factories.performer(name="The Band", email="band@example.com", granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer(granted=SHARING)
    endpoint = await register(
        hooks, ada, await key_for(ada, CONTACTS), receiver.url, ["CONTACT_SHARED"]
    )
    await factories.inquiry(ada, listing)
    await WebhookWorker(hook_settings).drain()
    [event] = receiver.events(endpoint["secret"])
    band_share = await ContactGrant.get(owner_id=band.account.id)
    assert (event["type"], event["data"]["shareId"]) == ("CONTACT_SHARED", str(band_share.id))


async def test_a_failed_attempt_is_retried_with_the_same_message_id(hooks, hook_settings, receiver):
    # given a receiver that fails once
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    receiver.answers = [500]
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    # when the worker runs (retrying at once in tests)
    tally = await WebhookWorker(hook_settings).drain()
    # then the second attempt is delivered, the same message both times
    assert (tally.retried, tally.delivered) == (1, 1)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.verified(endpoint["secret"])["type"] == "INQUIRY_RECEIVED"
    delivery = await WebhookDelivery.get()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("DELIVERED", 2, 204)
    assert (await WebhookEndpoint.get()).failures == 0


async def test_retries_back_off_exponentially_with_jitter_then_give_up(
    hooks, hook_settings, receiver
):
    settings = hook_settings.model_copy(
        update={"webhook_retry_base_seconds": 10.0, "webhook_max_attempts": 3}
    )
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    receiver.answers = [503, 503, 503]
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    worker = WebhookWorker(settings)
    delays = []
    for _attempt in range(3):
        before = datetime.now(UTC)
        await worker.drain()
        delivery = await WebhookDelivery.get()
        if delivery.state == DeliveryState.QUEUED:
            delays.append((delivery.next_attempt_at - before).total_seconds())
            await WebhookDelivery.filter(id=delivery.id).update(next_attempt_at=before)
    assert 5 <= delays[0] <= 10.5 and 10 <= delays[1] <= 20.5
    assert (delivery.state, delivery.attempts) == ("FAILED", 3)
    assert delivery.last_error == "gave up after 3 attempts: answered HTTP 503"


async def test_a_run_of_failures_disables_the_endpoint_and_mails_its_owner(
    hooks, hook_settings, receiver, inbox
):
    # given an endpoint whose receiver always fails
    settings = hook_settings.model_copy(
        update={"webhook_disable_after": 3, "webhook_max_attempts": 10}
    )
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    receiver.answers = [500] * 10
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    # when the worker tries
    await WebhookWorker(settings).drain()
    # then three attempts were made, the endpoint is off and the rest is dropped
    assert len(receiver.received) == 3
    [mine] = (await hooks.data(ENDPOINTS, token=band.token))["me"]["webhookEndpoints"]
    assert mine["disabledAt"] is not None and mine["failuresInARow"] == 3
    assert mine["disabledReason"] == "3 failed deliveries in a row; the last: answered HTTP 500"
    [delivery] = [edge["node"] for edge in mine["deliveries"]["edges"]]
    assert (delivery["state"], delivery["error"]) == ("DROPPED", "the endpoint is disabled")
    # and the owner is mailed (transactional), once
    await Worker(settings).drain()
    subject = "Your Backline webhook endpoint was turned off"
    [mail] = [mail for mail in inbox.to(band.account.email) if mail["Subject"] == subject]
    assert receiver.url in mail.get_body(("plain",)).get_content()
    # turning it back on forgets the failures
    turned_on = await hooks.data(
        MANAGE % "enableWebhookEndpoint", {"id": mine["id"]}, token=band.token
    )
    assert turned_on["enableWebhookEndpoint"]["disabledAt"] is None
    assert (await WebhookEndpoint.get()).failures == 0


async def test_no_attempt_of_a_failing_delivery_carries_a_persons_details_or_words(
    hooks, hook_settings, receiver
):
    # given an endpoint that answers 500 to every attempt, and Ada, who asks the band
    attempts = 4
    failing = hook_settings.model_copy(
        update={"webhook_max_attempts": attempts, "webhook_disable_after": 100}
    )
    band, listing, endpoint = await partner_band(hooks, receiver)
    receiver.answers = [500] * 100
    ada = await factories.customer(
        name="Ada Quimby", email="ada.q@example.com", phone="+1 512 555 0199", granted=SHARING
    )
    await factories.inquiry(
        ada, listing, event_type="Garden party", message="Ring me after six, I'm at the mill"
    )
    # when the worker tries every attempt of both deliveries
    tally = await WebhookWorker(failing).drain()
    # then each attempt sent ids and times only, and nothing of Ada's
    assert (tally.failed, len(receiver.received)) == (2, 2 * attempts)
    for request in receiver.received:
        event = request.verified(endpoint["secret"])
        assert set(event["data"]) <= THIN, event
        for personal in ("Ada", "Quimby", "ada.q@", "555 0199", "5550199", "Ring me", "Garden"):
            assert personal not in request.body.decode(), personal
    # and with nothing of hers sent, nothing of hers was read
    assert not await AuditEvent.filter(subject_id=ada.account.id).exists()


async def test_a_partner_told_of_a_share_reads_it_through_the_api_and_the_read_is_audited(
    hooks, hook_settings, receiver
):
    # given a CONTACT_SHARED delivered to the band's endpoint
    band = await partner(hooks, receiver, ["CONTACT_SHARED"])
    ada = await factories.customer(name="Ada", email="ada@example.com", granted=SHARING)
    await factories.inquiry(ada, band.listing)
    assert (await WebhookWorker(hook_settings).drain()).delivered == 1
    [event] = receiver.events(band.endpoint["secret"])
    reads = AuditEvent.filter(subject_id=ada.account.id, action="CONTACT_READ")
    assert await reads.count() == 0
    # when the band's tool fetches the share it was told of, with its key
    contacts = (await hooks.data(SHARED_CONTACTS, token=band.key.token))["sharedContacts"]
    # then it gets Ada's details, and her audit trail says who read them, how
    [contact] = [edge["node"] for edge in contacts["edges"]]
    assert (contact["id"], contact["email"]) == (event["data"]["shareId"], "ada@example.com")
    [read] = await reads
    assert (read.actor_id, read.via, read.grant_id) == (
        band.band.account.id,
        "API_KEY",
        int(event["data"]["shareId"]),
    )
    assert read.api_key_id is not None


async def test_a_share_withdrawn_between_the_event_and_the_fetch_yields_nothing(
    hooks, hook_settings, receiver
):
    # given the band was told that Ada shared her contact
    band = await partner(hooks, receiver, ["CONTACT_SHARED", "SHARE_ENDED"])
    ada = await factories.customer(name="Ada", email="ada@example.com", granted=SHARING)
    await factories.inquiry(ada, band.listing)
    worker = WebhookWorker(hook_settings)
    assert (await worker.drain()).delivered == 1
    # when Ada withdraws her consent before the band's tool fetches it
    await hooks.data(WITHDRAW, token=ada.token)
    response = await hooks.request(SHARED_CONTACTS, token=band.key.token)
    # then the fetch answers nothing of hers, and nothing was read
    assert response["data"]["sharedContacts"]["edges"] == []
    assert "ada@example.com" not in json.dumps(response)
    assert not await AuditEvent.filter(subject_id=ada.account.id, action="CONTACT_READ").exists()
    # and the end of the share follows, by its id
    assert (await worker.drain()).delivered == 1
    shared, ended = receiver.events(band.endpoint["secret"])
    assert ended["type"] == "SHARE_ENDED"
    assert ended["data"]["shareId"] == shared["data"]["shareId"]


async def test_an_inquiry_event_names_it_and_the_fetch_shows_it_as_the_performer_may_see_it(
    hooks, hook_settings, receiver
):
    # given an INQUIRY_RECEIVED for Ada's inquiry, and Ada closes her account before the
    # band's tool fetches it
    band = await partner(hooks, receiver, ["INQUIRY_RECEIVED"])
    ada = await factories.customer(name="Ada", granted=SHARING)
    await factories.inquiry(ada, band.listing, message="My secret plans")
    await hooks.data("mutation { cancelAccount { __typename } }", token=ada.token)
    await WebhookWorker(hook_settings).drain()
    [event] = receiver.events(band.endpoint["secret"])
    # when it fetches
    response = await hooks.request(RECEIVED, token=band.key.token)
    # then the event named the inquiry, and the fetch shows it without her words or name
    [inquiry] = [edge["node"] for edge in response["data"]["receivedInquiries"]["edges"]]
    assert inquiry["id"] == event["data"]["inquiryId"]
    assert (inquiry["askedBy"], inquiry["eventType"]) == (None, "")
    assert "secret plans" not in json.dumps(response) + json.dumps(event)


async def test_nobody_manages_another_persons_keys_or_endpoints(hooks, receiver):
    # given the band's endpoint, and Mallory
    band, _listing, endpoint = await partner_band(hooks, receiver)
    band_key = (await api_keys.create_key(band.account, "k", [CONTACTS]))[0]
    mallory = await factories.performer(granted=SHARING)
    # Mallory cannot register an endpoint on the band's key
    stolen = await register(hooks, mallory, str(band_key.id), receiver.url, ["SHARE_ENDED"])
    assert stolen["__typename"] == "NotFound"
    for garbage in ("x'; DROP TABLE api_key", "999999", "0"):
        assert (await register(hooks, mallory, garbage, receiver.url))["__typename"] == "NotFound"
    # nor disable, enable or delete the band's endpoint, nor see it
    for mutation in ("disableWebhookEndpoint", "enableWebhookEndpoint", "deleteWebhookEndpoint"):
        result = await hooks.data(MANAGE % mutation, {"id": endpoint["id"]}, token=mallory.token)
        assert result[mutation]["__typename"] == "NotFound"
    assert (await hooks.data(ENDPOINTS, token=mallory.token))["me"]["webhookEndpoints"] == []
    assert (await WebhookEndpoint.get(id=int(endpoint["id"]))).disabled_at is None
    # an API key (not a session) manages nothing, even its owner's
    key_token = await factories.api_key(band, CONTACTS)
    as_key = await register(
        hooks, factories.Person(band.account, key_token), str(band_key.id), receiver.url
    )
    assert as_key["__typename"] == "NotAuthorized"
    # and a revoked key takes no endpoint
    await api_keys.revoke_key(band.account, band_key.id)
    revoked = await register(hooks, band, str(band_key.id), receiver.url, ["SHARE_ENDED"])
    assert revoked["__typename"] == "NotFound"


async def test_an_endpoint_receives_only_what_its_key_may_read(hooks, receiver):
    band = await factories.performer(granted=SHARING)
    listings_only = await key_for(band, LISTINGS)
    refused = await register(hooks, band, listings_only, receiver.url, ["CONTACT_SHARED"])
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "events")
    assert (await register(hooks, band, listings_only, receiver.url, []))["field"] == "events"
    unacknowledged = await register(
        hooks, band, listings_only, receiver.url, ["INQUIRY_RECEIVED"], acknowledge=False
    )
    assert unacknowledged["field"] == "acknowledgeDeletionDuty"
    assert await WebhookEndpoint.all().count() == 0


async def test_a_disabled_deleted_or_revoked_endpoint_gets_nothing(hooks, hook_settings, receiver):
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    result = await hooks.data(
        MANAGE % "disableWebhookEndpoint", {"id": endpoint["id"]}, token=band.token
    )
    assert result["disableWebhookEndpoint"]["disabledAt"] is not None
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    # registered while disabled: nothing is queued at all
    assert await WebhookDelivery.all().count() == 0
    await hooks.data(MANAGE % "enableWebhookEndpoint", {"id": endpoint["id"]}, token=band.token)
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    # queued, then the key is revoked before delivery: dropped
    key = await WebhookEndpoint.get(id=int(endpoint["id"]))
    await api_keys.revoke_key(band.account, key.api_key_id)
    tally = await WebhookWorker(hook_settings).drain()
    assert (tally.dropped, receiver.received) == (1, [])
    deleted = await hooks.data(
        MANAGE % "deleteWebhookEndpoint", {"id": endpoint["id"]}, token=band.token
    )
    assert deleted["deleteWebhookEndpoint"]["__typename"] == "WebhookEndpoint"
    assert await WebhookDelivery.all().count() == 0


async def test_the_number_of_endpoints_is_capped(hook_settings, receiver):
    capped = hook_settings.model_copy(update={"webhook_endpoints_max": 2})
    band = await factories.performer(granted=SHARING)
    key_id = await key_for(band, CONTACTS)
    async for api in client_for(capped):
        for _ in range(2):
            assert (await register(api, band, key_id, receiver.url, ["SHARE_ENDED"]))["id"]
        over = await register(api, band, key_id, receiver.url, ["SHARE_ENDED"])
    assert over == {"__typename": "LimitReached", "limit": 2}


async def test_registrations_are_rate_limited_refused_ones_too(hooks, receiver):
    # each registration resolves a name of the caller's choosing
    band = await factories.performer(granted=SHARING)
    key_id = await key_for(band, CONTACTS)
    for number in range(10):
        refused = await register(hooks, band, key_id, f"http://n{number}.invalid/", ["SHARE_ENDED"])
        assert refused["__typename"] == "ValidationError"
    limited = await register(hooks, band, key_id, receiver.url, ["SHARE_ENDED"])
    assert limited["__typename"] == "RateLimited"
    assert await WebhookEndpoint.all().count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",  # loopback (not allowed outside the tests' setting)
        "http://localhost:8080/hook",
        "http://[::1]:8080/hook",
        "http://[::ffff:127.0.0.1]:8080/hook",  # loopback in an IPv6 form
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",  # metadata behind NAT64
        "http://[2002:a9fe:a9fe::1]/",  # metadata inside 6to4
        "http://100.64.0.1/hook",  # shared address space (CGNAT)
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
        "http://[fe80::1]/hook",
        "http://[fec0::1]/hook",  # site-local (deprecated, still routed inside some networks)
        "http://192.88.99.1/hook",  # the 6to4 relay anycast
        "http://[2002:c058:6301::1]/hook",  # the same relay, inside 6to4
        "http://internal.test/hook",  # resolves (see below) to a private address
        "http://mixed.test/hook",  # one public address and one private: refused
        "http://nowhere.invalid/hook",
        "https://user:secret@partner.example/hook",
        "http://93.184.216.34:22/hook",
        "http://93.184.216.34:70000/hook",
        "ftp://93.184.216.34/hook",
        "not a url",
        "http://93.184.216.34/hook#fragment",
        "http://93.184.216.34/ho\nok",
    ],
)
async def test_registration_refuses_addresses_of_our_own_network(settings, url):
    # given loopback not allowed (the default), and names a resolver hook answers for
    strict = settings.model_copy(
        update={
            "webhook_resolve": {
                "internal.test": ["10.9.8.7"],
                "mixed.test": ["93.184.216.34", "192.168.1.1"],
            }
        }
    )
    band = await factories.performer(granted=SHARING)
    key_id = await key_for(band, CONTACTS)
    async for api in client_for(strict):
        result = await register(api, band, key_id, url, ["SHARE_ENDED"])
    assert (result["__typename"], result["field"]) == ("ValidationError", "url"), result
    assert await WebhookEndpoint.all().count() == 0


async def test_production_wants_https_and_never_allows_loopback(production_settings):
    band = await factories.performer(granted=SHARING)
    key_id = await key_for(band, CONTACTS)
    public = production_settings.model_copy(
        update={"webhook_resolve": {"partner.example": ["93.184.216.34"]}}
    )
    async for api in client_for(public):
        plain = await register(api, band, key_id, "http://partner.example/hook", ["SHARE_ENDED"])
        secure = await register(api, band, key_id, "https://partner.example/hook", ["SHARE_ENDED"])
    assert (plain["field"], secure["__typename"]) == ("url", "WebhookEndpoint")
    with pytest.raises(ValueError, match="WEBHOOK_ALLOW_LOOPBACK|webhook_allow_loopback"):
        Settings(
            **production_settings.model_dump(exclude={"webhook_allow_loopback"}),
            webhook_allow_loopback=True,
        )


def test_the_address_rule_refuses_each_kind_of_internal_address():
    allowed = webhook_targets.address_allowed
    import ipaddress

    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"):
        assert allowed(ipaddress.ip_address(address), allow_loopback=False)
    assert allowed(ipaddress.ip_address("127.0.0.1"), allow_loopback=True)
    assert not allowed(ipaddress.ip_address("169.254.169.254"), allow_loopback=True)
    assert not allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)
    # Python counts these two as global; they are not a partner's server
    assert not allowed(ipaddress.ip_address("fec0::1"), allow_loopback=False)
    assert not allowed(ipaddress.ip_address("192.88.99.1"), allow_loopback=False)


async def test_an_ipv6_endpoint_is_named_in_brackets_in_the_host_header(hooks, hook_settings):
    # given an endpoint registered as an IPv6 address (a receiver on ::1)
    receiver = Receiver(host="::1").start()
    try:
        band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
        await factories.inquiry(await factories.customer(granted=SHARING), listing)
        # when it is delivered
        assert (await WebhookWorker(hook_settings).drain()).delivered == 1
        # then the Host header writes the address as the URL does, in brackets
        assert receiver.received[0].headers["host"] == f"[::1]:{receiver.port}"
    finally:
        receiver.stop()
    public = "https://[2606:2800:220:1:248:1893:25c8:1946]/hook"
    target = await webhook_targets.check(public, hook_settings)
    assert target.host_header == "[2606:2800:220:1:248:1893:25c8:1946]"


async def test_delivery_checks_the_address_again_and_connects_to_the_one_it_checked(
    hooks, hook_settings, receiver
):
    # given an endpoint whose name resolved to an allowed address at registration
    pinned = hook_settings.model_copy(update={"webhook_resolve": {"partner.test": ["127.0.0.1"]}})
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    url = f"http://partner.test:{receiver.port}/hook"
    async for api in client_for(pinned):
        endpoint = await register(
            api, band, await key_for(band, LISTINGS), url, ["INQUIRY_RECEIVED"]
        )
    assert endpoint["__typename"] == "WebhookEndpoint", endpoint
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    # when the name now points into the private network (DNS changed since)
    moved = hook_settings.model_copy(
        update={"webhook_resolve": {"partner.test": ["10.0.0.7"]}, "webhook_retry_base_seconds": 60}
    )
    tally = await WebhookWorker(moved).drain()
    # then nothing is sent, and the attempt is a failure to retry
    assert (tally.retried, receiver.received) == (1, [])
    delivery = await WebhookDelivery.get()
    assert delivery.last_error.startswith("not sent: The host must resolve")
    # and once it points back, the worker connects to the address it approved, naming
    # the host only in the Host header
    await WebhookDelivery.filter(id=delivery.id).update(next_attempt_at=datetime.now(UTC))
    assert (await WebhookWorker(pinned).drain()).delivered == 1
    assert receiver.received[0].headers["host"] == f"partner.test:{receiver.port}"
    assert receiver.received[0].verified(endpoint["secret"])["type"] == "INQUIRY_RECEIVED"


async def test_redirects_are_not_followed_and_slow_receivers_time_out(
    hooks, hook_settings, receiver
):
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    receiver.answers = [302]
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    strict = hook_settings.model_copy(update={"webhook_max_attempts": 1})
    await WebhookWorker(strict).drain()
    assert [request.path for request in receiver.received] == ["/hook"]
    delivery = await WebhookDelivery.get()
    assert (delivery.state, delivery.status_code) == ("FAILED", 302)
    # a receiver slower than the deadline
    receiver.delay = 1.0
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    hurried = strict.model_copy(update={"webhook_timeout_seconds": 0.3})
    await WebhookWorker(hurried).drain()
    late = await WebhookDelivery.filter(id__gt=delivery.id).get()
    assert late.last_error == "gave up after 1 attempts: no answer in time"


async def test_a_replayed_or_tampered_delivery_fails_the_librarys_check(
    hooks, hook_settings, receiver
):
    # given one genuine delivery
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    await WebhookWorker(hook_settings).drain()
    [genuine] = receiver.received
    secret = endpoint["secret"]
    assert genuine.verified(secret)["type"] == "INQUIRY_RECEIVED"
    # a changed body fails
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(genuine.body.replace(b"INQUIRY", b"INQUIRX"), genuine.headers)
    # the same message replayed ten minutes later fails, though signed by us
    old = datetime.now(UTC) - timedelta(minutes=10)
    replayed = genuine.headers | {
        "webhook-timestamp": str(int(old.timestamp())),
        "webhook-signature": Webhook(secret).sign(
            genuine.headers["webhook-id"], old, genuine.body.decode()
        ),
    }
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(genuine.body, replayed)
    # and another endpoint's secret does not verify it
    other = await register(
        hooks, band, await key_for(band, LISTINGS), receiver.url, ["INQUIRY_RECEIVED"]
    )
    with pytest.raises(WebhookVerificationError):
        genuine.verified(other["secret"])


async def test_the_secret_is_stored_encrypted_and_the_log_holds_no_personal_data(
    hooks, hook_settings, receiver
):
    band, listing, endpoint = await partner_band(hooks, receiver, ["CONTACT_SHARED"])
    ada = await factories.customer(name="Ada Quimby", email="ada.q@example.com", granted=SHARING)
    await factories.inquiry(ada, listing)
    receiver.answers = [500]
    await WebhookWorker(hook_settings).drain()
    from tortoise import connections

    _, rows = await connections.get("default").execute_query("SELECT secret FROM webhook_endpoint")
    assert endpoint["secret"] not in str(rows[0]["secret"])
    _, deliveries = await connections.get("default").execute_query("SELECT * FROM webhook_delivery")
    stored = json.dumps([dict(row) for row in deliveries], default=str)
    assert "Ada" not in stored and "ada.q@example.com" not in stored


async def test_erasing_the_owner_takes_the_endpoints_and_their_log(hooks, hook_settings, receiver):
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    await Account.filter(id=band.account.id).delete()
    assert await WebhookEndpoint.all().count() == 0 and await WebhookDelivery.all().count() == 0


async def test_a_key_rotation_moves_the_signing_secrets_to_the_new_key(settings):
    # given an endpoint whose secret was encrypted with the current key
    band = await factories.performer(granted=SHARING)
    key, _token = await api_keys.create_key(band.account, "k", [CONTACTS])
    endpoint = await WebhookEndpoint.create(
        owner_id=band.account.id,
        api_key_id=key.id,
        url="https://crm.example/",
        events="SHARE_ENDED",
        secret="whsec_c2VjcmV0",
    )
    old_key, new_key = settings.fernet_keys()[0], Fernet.generate_key().decode()
    encryption.configure([new_key, old_key])
    try:
        # when re-encrypting after a new key is put first
        await crypto.reencrypt_all()
        # then the secret reads with the new key alone
        encryption.configure([new_key])
        assert (await WebhookEndpoint.get(id=endpoint.id)).secret == "whsec_c2VjcmV0"
    finally:
        encryption.configure(settings.fernet_keys())


async def test_an_expired_keys_endpoints_get_nothing_and_it_takes_no_new_one(
    hooks, hook_settings, receiver
):
    # given a delivery queued for an endpoint whose key then expires
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    key_id = (await WebhookEndpoint.get(id=int(endpoint["id"]))).api_key_id
    await ApiKey.filter(id=key_id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    # then it is dropped, and nothing more is queued for it
    assert (await WebhookWorker(hook_settings).drain()).dropped == 1
    assert receiver.received == []
    assert (await WebhookDelivery.get()).last_error == "the endpoint's API key expired"
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    assert await WebhookDelivery.all().count() == 1
    # and no endpoint is registered on it
    again = await register(hooks, band, str(key_id), receiver.url, ["INQUIRY_RECEIVED"])
    assert again["__typename"] == "NotFound"


async def test_two_workers_at_once_deliver_each_message_once(hooks, hook_settings, receiver):
    band, listing, endpoint = await partner_band(
        hooks, receiver, ["INQUIRY_RECEIVED", "SHARE_ENDED"]
    )
    for _ in range(6):
        customer = await factories.customer(granted=SHARING)
        await factories.inquiry(customer, listing)
        await hooks.data(WITHDRAW, token=customer.token)
    small = hook_settings.model_copy(update={"webhook_batch_size": 2})
    await asyncio.gather(WebhookWorker(small).drain(), WebhookWorker(small).drain())
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == len(set(ids)) == 6 + 6
    assert await WebhookDelivery.filter(state="DELIVERED").count() == 12


async def wait_until(condition, seconds: float) -> None:
    """Waits for `condition()` (a value, or an awaitable one) to be true; fails after
    `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        met = condition()
        if inspect.isawaitable(met):
            met = await met
        if met:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds} s")
        await asyncio.sleep(0.02)


async def delivered(count: int) -> bool:
    return await WebhookDelivery.filter(state=DeliveryState.DELIVERED).count() >= count


async def test_a_hanging_endpoint_holds_one_slot_while_the_others_deliveries_go_out(
    hooks, hook_settings
):
    # given a band whose receiver hangs, with the oldest delivery, and another band with
    # three deliveries whose receiver takes a moment over each
    hanging, other = Receiver(delay=4.0).start(), Receiver(delay=0.1).start()
    try:
        _band, slow_listing, _ = await partner_band(hooks, hanging, ["INQUIRY_RECEIVED"])
        _other, listing, endpoint = await partner_band(hooks, other, ["INQUIRY_RECEIVED"])
        await factories.inquiry(await factories.customer(granted=SHARING), slow_listing)
        for _ in range(3):
            await factories.inquiry(await factories.customer(granted=SHARING), listing)
        settings = hook_settings.model_copy(
            update={
                "webhook_timeout_seconds": 3.0,
                "webhook_max_attempts": 1,
                "worker_poll_seconds": 0.2,
            }
        )
        # when the worker runs
        drain = asyncio.create_task(WebhookWorker(settings).drain())
        # then the other band's three arrive while the first waits for its answer
        await wait_until(lambda: len(other.received) == 3, seconds=1.5)
        assert not drain.done() and len(hanging.received) == 1
        # and one that falls due once they are done does not wait for the slow one's
        # deadline
        await wait_until(lambda: delivered(3), seconds=1.0)
        await factories.inquiry(await factories.customer(granted=SHARING), listing)
        await wait_until(lambda: len(other.received) == 4, seconds=1.0)
        assert not drain.done()
        tally = await drain
        assert (tally.delivered, tally.failed) == (4, 1)
        # one at a time for each endpoint, all the same
        assert other.most_at_once == 1
        assert [event["type"] for event in other.events(endpoint["secret"])] == [
            "INQUIRY_RECEIVED"
        ] * 4
    finally:
        hanging.stop()
        other.stop()


async def test_a_delivery_another_worker_took_over_is_not_sent_by_the_first(
    hooks, hook_settings, receiver
):
    # given a delivery the first worker claimed, whose claim ran out and another took
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    worker = WebhookWorker(hook_settings)
    [row] = await worker.claim(1)
    later = datetime.now(UTC) + timedelta(minutes=1)
    await WebhookDelivery.filter(id=row.id).update(claim="another worker", claimed_until=later)
    # when the first worker comes to send it
    async with worker.client() as client:
        tally = await worker.deliver(client, row)
    # then it sends nothing and leaves the row as the other worker holds it
    assert (tally.lost, receiver.received) == (1, [])
    taken = await WebhookDelivery.get(id=row.id)
    assert (taken.state, taken.claim, taken.attempts) == ("SENDING", "another worker", 0)


async def test_a_row_taken_over_during_the_post_is_not_finished_by_the_old_worker(
    hooks, hook_settings, receiver
):
    # given a worker whose POST is slow to be answered
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    receiver.delay = 0.5
    worker = WebhookWorker(hook_settings)
    [row] = await worker.claim(1)
    async with worker.client() as client:
        sending = asyncio.create_task(worker.deliver(client, row))
        await wait_until(lambda: len(receiver.received) == 1, seconds=3)
        # when another worker takes the row meanwhile
        later = datetime.now(UTC) + timedelta(minutes=1)
        await WebhookDelivery.filter(id=row.id).update(claim="another worker", claimed_until=later)
        tally = await sending
    # then the first worker's answer does not overwrite the other's claim
    assert tally.lost == 1
    taken = await WebhookDelivery.get(id=row.id)
    assert (taken.state, taken.claim, taken.delivered_at) == ("SENDING", "another worker", None)


async def test_a_failed_attempt_is_recorded_only_under_its_own_claim(
    hooks, hook_settings, receiver
):
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    receiver.answers, receiver.delay = [500], 0.5
    worker = WebhookWorker(hook_settings)
    [row] = await worker.claim(1)
    async with worker.client() as client:
        sending = asyncio.create_task(worker.deliver(client, row))
        await wait_until(lambda: len(receiver.received) == 1, seconds=3)
        await WebhookDelivery.filter(id=row.id).update(claim="another worker")
        assert (await sending).lost == 1
    taken = await WebhookDelivery.get(id=row.id)
    assert (taken.state, taken.claim, taken.attempts) == ("SENDING", "another worker", 0)
    # nor counted against the endpoint: the other worker's attempt will be
    assert (await WebhookEndpoint.get(id=int(endpoint["id"]))).failures == 0


async def test_a_claim_is_renewed_just_before_the_post_past_its_deadline(
    hooks, hook_settings, receiver
):
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    receiver.delay = 0.5
    worker = WebhookWorker(hook_settings.model_copy(update={"webhook_timeout_seconds": 30.0}))
    [row] = await worker.claim(1)
    # a claim covers one attempt: the lookup, the POST's deadline, the bookkeeping
    assert worker.claim_seconds >= 30 + webhook_targets.LOOKUP_SECONDS
    # given a claim about to run out when the POST begins
    await WebhookDelivery.filter(id=row.id).update(claimed_until=datetime.now(UTC))
    async with worker.client() as client:
        sending = asyncio.create_task(worker.deliver(client, row))
        await wait_until(lambda: len(receiver.received) == 1, seconds=3)
        # then while the POST waits, the row is claimed past the POST's deadline: no
        # other worker takes it
        during = await WebhookDelivery.get(id=row.id)
        assert during.claimed_until > datetime.now(UTC) + timedelta(seconds=29)
        assert await WebhookWorker(hook_settings).claim(5) == []
        assert (await sending).delivered == 1


async def test_registrations_at_the_same_moment_cannot_pass_the_cap(hook_settings, receiver):
    # given a cap of two endpoints, and one registered
    capped = hook_settings.model_copy(update={"webhook_endpoints_max": 2})
    band = await factories.performer(granted=SHARING)
    key_id = await key_for(band, CONTACTS)
    async for api in client_for(capped):
        first = await register(api, band, key_id, receiver.url, ["SHARE_ENDED"])
        assert first["__typename"] == "WebhookEndpoint"
        # when eight more are asked for at once
        results = await asyncio.gather(
            *(register(api, band, key_id, receiver.url, ["SHARE_ENDED"]) for _ in range(8))
        )
    # then one of them takes the last place, and the others are refused
    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["LimitReached"] * 7 + ["WebhookEndpoint"]
    assert await WebhookEndpoint.filter(owner_id=band.account.id).count() == 2


async def test_a_delivery_is_not_failed_because_the_database_went_away(
    hooks, hook_settings, receiver, monkeypatch
):
    # given a delivery due, and a database connection that drops just before its POST
    band, listing, endpoint = await partner_band(hooks, receiver, events=["INQUIRY_RECEIVED"])
    await factories.inquiry(await factories.customer(granted=SHARING), listing)
    worker = WebhookWorker(hook_settings.model_copy(update={"worker_poll_seconds": 0.01}))
    renew = worker._renew
    drops = 1

    async def drops_once(row):
        nonlocal drops
        if drops:
            drops -= 1
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")
        return await renew(row)

    monkeypatch.setattr(worker, "_renew", drops_once)
    # when the worker's loop runs through the outage
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(0.3)
    # then the delivery was neither failed nor counted as an attempt: it waits, claimed
    row = await WebhookDelivery.get(event="INQUIRY_RECEIVED")
    assert (row.state, row.attempts) == (DeliveryState.SENDING, 0)
    assert not running.done()
    # and once its claim runs out it is delivered, once
    await WebhookDelivery.filter(id=row.id).update(claimed_until=datetime.now(UTC))
    for _ in range(300):
        if receiver.events(endpoint["secret"]):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running
    assert [event["type"] for event in receiver.events(endpoint["secret"])] == ["INQUIRY_RECEIVED"]


@pytest.mark.skipif(not POSTGRES_URL, reason="SQLite takes one writer at a time: no race")
async def test_two_workers_claiming_at_the_same_instant_take_one_delivery_per_endpoint(
    hooks, hook_settings, receiver, monkeypatch
):
    # given an endpoint with two deliveries due
    band, listing, endpoint = await partner_band(hooks, receiver, ["INQUIRY_RECEIVED"])
    for _ in range(2):
        await factories.inquiry(await factories.customer(granted=SHARING), listing)
    assert await WebhookDelivery.filter(state=DeliveryState.QUEUED).count() == 2
    # when one worker is inside its claim, holding what it locked, and not committed
    # (each worker reads one due delivery at a time, so they lock different ones)...
    one_at_a_time = hook_settings.model_copy(update={"webhook_batch_size": 1})
    inside, release = asyncio.Event(), asyncio.Event()
    lock_endpoints = WebhookWorker._lock_endpoints

    async def held(self, oldest):
        locked = await lock_endpoints(self, oldest)
        inside.set()
        await release.wait()
        return locked

    monkeypatch.setattr(WebhookWorker, "_lock_endpoints", held)
    first = asyncio.create_task(WebhookWorker(one_at_a_time).claim(slots=4))
    await inside.wait()
    monkeypatch.setattr(WebhookWorker, "_lock_endpoints", lock_endpoints)
    # ...a second worker claiming then takes nothing of that endpoint
    second = await WebhookWorker(one_at_a_time).claim(slots=4)
    release.set()
    # and the endpoint has one delivery in flight
    assert second == [] and len(await first) == 1
    assert await WebhookDelivery.filter(state=DeliveryState.SENDING).count() == 1
