"""Global Privacy Control: a signed-in request carrying `Sec-GPC: 1` opts its person out
of targeted ads and partner promotions, recorded once in the consent ledger; a choice
the person makes themselves afterwards stands over the signal."""

from __future__ import annotations

import asyncio

import pytest

from mailers.worker import Worker
from models.accounts import ConsentEvent, PrivacyPreferences
from models.outbox import OutboundEmail
from models.purposes import ConsentSource, Purpose
from tests import factories

CLIENT_IP = "203.0.113.9"  # the address tests/conftest.py gives every API request
GPC = ConsentSource.GLOBAL_PRIVACY_CONTROL
EVERYTHING = tuple(Purpose)
PREFERENCES = "{ me { privacyPreferences { targetedAds partnerPromotions promotionalEmails } } }"
HONOURED = "{ me { globalPrivacyControl { honoredAt purposes overridden } } }"


async def send(api, query, *, token=None, gpc="1", variables=None) -> dict:
    """A request as a browser with Global Privacy Control sends it."""
    headers = {"Sec-GPC": gpc} if gpc is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await api.http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def gpc_events(person) -> list[tuple[str, bool]]:
    rows = await ConsentEvent.filter(account_id=person.account.id, source=GPC).order_by("id")
    return [(row.purpose, row.granted) for row in rows]


async def choices(person) -> PrivacyPreferences:
    return await PrivacyPreferences.get(account_id=person.account.id)


async def test_the_signal_opts_out_of_ads_and_partner_promotions_once(api):
    # given someone who agreed to everything
    ada = await factories.customer(granted=EVERYTHING)
    # when her browser sends the signal with a request of hers
    seen = await send(api, PREFERENCES, token=ada.token)
    # then that very answer shows targeted ads and partner promotions off, the rest as it was
    assert seen["me"]["privacyPreferences"] == {
        "targetedAds": False,
        "partnerPromotions": False,
        "promotionalEmails": True,
    }
    stored = await choices(ada)
    assert (stored.targeted_ads, stored.partner_promotions, stored.contact_sharing) == (
        False,
        False,
        True,
    )
    # and the ledger holds one entry per purpose, with where it came from
    assert await gpc_events(ada) == [("TARGETED_ADS", False), ("PARTNER_PROMOTIONS", False)]
    assert {e.ip for e in await ConsentEvent.filter(source=GPC)} == {CLIENT_IP}
    # when the signal comes again, with every later request
    await send(api, PREFERENCES, token=ada.token)
    await send(api, "{ me { name } }", token=ada.token)
    # then nothing more is recorded
    assert len(await gpc_events(ada)) == 2


async def test_only_what_is_on_is_turned_off_and_recorded(api):
    ada = await factories.customer(granted=(Purpose.PARTNER_PROMOTIONS,))
    await send(api, "{ me { name } }", token=ada.token)
    assert await gpc_events(ada) == [("PARTNER_PROMOTIONS", False)]


async def test_someone_opted_out_already_costs_no_write_and_no_query_reading_choices(
    api, sql_queries
):
    # given someone whose ads and partner promotions are off
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    await send(api, PREFERENCES, token=ada.token, gpc=None)  # warm: the session's first use
    # when the same request comes without and with the signal
    sql_queries.reset()
    await send(api, PREFERENCES, token=ada.token, gpc=None)
    without = list(sql_queries.statements)
    sql_queries.reset()
    await send(api, PREFERENCES, token=ada.token)
    with_signal = list(sql_queries.statements)
    # then the signal adds no statement at all: the choices it read serve the request
    assert len(with_signal) == len(without), with_signal
    assert not [s for s in with_signal if "consent_event" in s or "UPDATE" in s.upper()[:8]]
    # and a request that does not read them costs one read more, never a write
    sql_queries.reset()
    await send(api, "{ me { name } }", token=ada.token, gpc=None)
    plain = len(sql_queries.statements)
    sql_queries.reset()
    await send(api, "{ me { name } }", token=ada.token)
    added = sql_queries.statements[:]
    assert len(added) == plain + 1
    assert not [s for s in added if s.split(" ", 1)[0].upper() in {"UPDATE", "DELETE"}]
    assert not [s for s in added if "consent_event" in s]


async def test_anonymous_and_api_key_requests_record_nothing(api):
    ada = await factories.customer(granted=EVERYTHING)
    key = await factories.api_key(ada, factories.ApiScope.LISTINGS_READ)
    await send(api, "{ privacyPolicy { version } }")
    await send(api, "{ receivedInquiries { edges { cursor } } }", token=key)
    assert await gpc_events(ada) == []
    assert (await choices(ada)).targeted_ads is True


@pytest.mark.parametrize("value", ["0", "", "true", "yes", "11", "1, 1"])
async def test_only_the_value_1_is_the_signal(api, value):
    ada = await factories.customer(granted=EVERYTHING)
    await send(api, "{ me { name } }", token=ada.token, gpc=value)
    assert await gpc_events(ada) == []
    assert (await choices(ada)).targeted_ads is True


async def test_me_says_what_the_signal_did(api):
    ada = await factories.customer(granted=EVERYTHING)
    assert (await send(api, HONOURED, token=ada.token, gpc=None))["me"] == {
        "globalPrivacyControl": None
    }
    await send(api, "{ me { name } }", token=ada.token)
    honoured = (await send(api, HONOURED, token=ada.token, gpc=None))["me"]["globalPrivacyControl"]
    assert honoured["purposes"] == ["TARGETED_ADS", "PARTNER_PROMOTIONS"]
    assert honoured["overridden"] == []
    assert honoured["honoredAt"]
    history = await send(
        api, "{ me { consentHistory { purpose source granted } } }", token=ada.token, gpc=None
    )
    assert history["me"]["consentHistory"][:2] == [
        {"purpose": "PARTNER_PROMOTIONS", "source": "GLOBAL_PRIVACY_CONTROL", "granted": False},
        {"purpose": "TARGETED_ADS", "source": "GLOBAL_PRIVACY_CONTROL", "granted": False},
    ]


async def test_turning_a_purpose_back_on_stands_over_the_signal(api):
    # given the signal honoured
    ada = await factories.customer(granted=EVERYTHING)
    await send(api, "{ me { name } }", token=ada.token)
    # when she turns targeted ads back on in her settings, her browser still sending it
    turned_on = await send(
        api,
        "mutation { updatePrivacyPreferences(input: {targetedAds: true}) "
        "{ ... on PrivacyPreferences { targetedAds } } }",
        token=ada.token,
    )
    assert turned_on["updatePrivacyPreferences"] == {"targetedAds": True}
    # then later requests with the signal leave her choice alone
    for _ in range(2):
        await send(api, "{ me { name } }", token=ada.token)
    assert (await choices(ada)).targeted_ads is True
    assert await gpc_events(ada) == [("TARGETED_ADS", False), ("PARTNER_PROMOTIONS", False)]
    # and me says that her choice overrides the signal
    honoured = (await send(api, HONOURED, token=ada.token))["me"]["globalPrivacyControl"]
    assert honoured["overridden"] == ["TARGETED_ADS"]
    # while the purpose she left off stays off
    assert (await choices(ada)).partner_promotions is False


async def test_a_partner_promotion_queued_before_the_signal_is_dropped_at_send_time(
    api, mail_settings, inbox
):
    # given a partner promotion queued to Ada
    ada = await factories.customer(email="ada@example.com", granted=EVERYTHING)
    clerk = await factories.staff(email="clerk@example.com")
    queued = await api.data(
        """mutation { sendPromotion(input: {subject: "Tour", body: "Tickets",
        onBehalfOfPartner: "The Label"}) { ... on PromotionQueued { recipients } } }""",
        token=clerk.token,
    )
    assert queued["sendPromotion"]["recipients"] == 1
    # when her browser's signal arrives before the worker runs
    await send(api, "{ me { name } }", token=ada.token)
    tally = await Worker(mail_settings).drain()
    # then the mail is dropped, not sent
    assert (tally.sent, tally.dropped) == (0, 1)
    assert inbox.to("ada@example.com") == []
    dropped = await OutboundEmail.get(recipient_id=ada.account.id)
    assert dropped.last_error == "consent to PARTNER_PROMOTIONS was withdrawn"


async def test_the_signal_makes_the_ads_of_that_very_request_generic(api):
    ada = await factories.customer(email="ada@example.com", granted=EVERYTHING)
    query = "{ adsPolicy { targeted reason } }"
    assert (await api.data(query, token=ada.token))["adsPolicy"]["targeted"] is True
    answer = await send(api, query, token=ada.token)
    assert answer["adsPolicy"] == {"targeted": False, "reason": "GLOBAL_PRIVACY_CONTROL"}


async def test_requests_racing_with_the_signal_record_it_once(api):
    ada = await factories.customer(granted=EVERYTHING)
    await asyncio.gather(*(send(api, "{ me { name } }", token=ada.token) for _ in range(5)))
    assert await gpc_events(ada) == [("TARGETED_ADS", False), ("PARTNER_PROMOTIONS", False)]
