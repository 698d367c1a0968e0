"""Data used under the policy it was collected under: a purpose a new policy version
introduces applies to a person only once they consent to it under that version (or a
later one), never through anything they agreed to before. Through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.accounts import ConsentEvent
from models.policies import PolicyVersion
from models.purposes import ConsentSource, Purpose
from privacy import consent
from privacy import policies as policy
from tests import factories

CLIENT_IP = "203.0.113.9"  # the address tests/conftest.py gives every API request
PUBLISH = """
mutation Publish($input: PolicyVersionInput!) {
  publishPolicyVersion(input: $input) {
    __typename
    ... on PolicyNotice { version purposes }
    ... on ValidationError { field message }
    ... on NotAuthorized { message }
  }
}
"""
ANSWER = """
mutation Answer($purpose: String!, $granted: Boolean!) {
  consentToPurpose(purpose: $purpose, granted: $granted) {
    __typename
    ... on IntroducedPurpose { name introducedIn granted answeredUnder applies }
    ... on ValidationError { field message }
    ... on NotAuthorized { message }
  }
}
"""
MINE = "{ me { introducedPurposes { name introducedIn granted answeredUnder applies } } }"


def a_version(name="2027-03-01", purposes=("SMS_REMINDERS",), *, days=31.0, material=True):
    """Introducing a purpose is a material change: announced 30 days or more ahead."""
    return {
        "input": {
            "version": name,
            "summary": "We can now remind you of your event by text message.",
            "materialChange": material,
            "effectiveAt": (datetime.now(UTC) + timedelta(days=days)).isoformat(),
            "introducesPurposes": list(purposes),
        }
    }


async def publish(api, clerk, variables, *, in_force: bool = True) -> dict:
    """Published through the API; then, unless `in_force` is False, its notice period
    is made to have passed (its dates moved back), as if the 30 days went by."""
    published = (await api.data(PUBLISH, variables, token=clerk.token))["publishPolicyVersion"]
    if in_force and published["__typename"] == "PolicyNotice":
        await notice_period_passed(published["version"])
    return published


async def notice_period_passed(version: str) -> None:
    now = datetime.now(UTC)
    await PolicyVersion.filter(version=version).update(
        announced_at=now - timedelta(days=31), effective_at=now - timedelta(seconds=1)
    )


async def answer(api, person, purpose="SMS_REMINDERS", granted=True) -> dict:
    variables = {"purpose": purpose, "granted": granted}
    return (await api.data(ANSWER, variables, token=person.token))["consentToPurpose"]


async def mine(api, person) -> list[dict]:
    return (await api.data(MINE, token=person.token))["me"]["introducedPurposes"]


async def test_an_introduced_purpose_applies_only_to_those_who_consent_under_its_version(api):
    # given two people who registered under the first version, one of them consenting
    # to everything then
    ada = await factories.customer(granted=tuple(Purpose))
    bob = await factories.customer(granted=tuple(Purpose))
    clerk = await factories.staff()
    # when staff publish a version introducing SMS reminders
    published = await publish(api, clerk, a_version())
    # then it asks for the new purpose besides the core ones
    assert published["__typename"] == "PolicyNotice"
    assert set(published["purposes"]) == {*Purpose, "SMS_REMINDERS"}
    # and it applies to nobody yet: what they agreed to before does not cover it
    unanswered = {
        "name": "SMS_REMINDERS",
        "introducedIn": "2027-03-01",
        "granted": None,
        "answeredUnder": None,
        "applies": False,
    }
    assert await mine(api, ada) == [unanswered]
    # when Ada consents to it
    answered = await answer(api, ada)
    # then it applies to her, under the new version, and only to her
    consented = unanswered | {"granted": True, "answeredUnder": "2027-03-01", "applies": True}
    assert answered == consented | {"__typename": "IntroducedPurpose"}
    assert await mine(api, ada) == [consented]
    assert await consent.allows(ada.account.id, "SMS_REMINDERS")
    # and Bob, who never answered, never gets it
    assert await mine(api, bob) == [unanswered]
    assert not await consent.allows(bob.account.id, "SMS_REMINDERS")
    # and the ledger holds her answer, from where and under which version
    event = await ConsentEvent.get(account_id=ada.account.id, purpose="SMS_REMINDERS")
    assert (event.granted, event.source, event.ip) == (True, ConsentSource.SETTINGS, CLIENT_IP)
    assert (await event.policy_version).version == "2027-03-01"


async def test_withdrawing_an_introduced_purpose_stops_it(api):
    ada, clerk = await factories.customer(), await factories.staff()
    await publish(api, clerk, a_version())
    await answer(api, ada, granted=True)
    # when she says no
    withdrawn = await answer(api, ada, granted=False)
    # then it no longer applies
    assert (withdrawn["granted"], withdrawn["applies"]) == (False, False)
    assert not await consent.allows(ada.account.id, "SMS_REMINDERS")


async def test_an_introduced_purpose_stops_applying_when_the_account_closes(api):
    ada, clerk = await factories.customer(), await factories.staff()
    await publish(api, clerk, a_version())
    await answer(api, ada, granted=True)
    # when she cancels her account (which records withdrawals of the core purposes only)
    await api.data("mutation { cancelAccount { __typename } }", token=ada.token)
    # then no purpose applies to her any more, the introduced one included
    assert not await consent.allows(ada.account.id, "SMS_REMINDERS")
    assert not await policy.applies(ada.account.id, "SMS_REMINDERS")


async def test_a_purpose_announced_but_not_in_force_cannot_be_consented_to_yet(api):
    ada, clerk = await factories.customer(), await factories.staff()
    # given a material change introducing it, 31 days ahead
    await publish(api, clerk, a_version(days=31), in_force=False)
    # then the policy in force does not ask for it: it is not listed, and an answer is refused
    assert await mine(api, ada) == []
    refused = await answer(api, ada)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "purpose")
    assert not await ConsentEvent.filter(purpose="SMS_REMINDERS").exists()


async def test_a_later_version_keeps_asking_for_what_an_earlier_one_introduced(api):
    ada, clerk = await factories.customer(), await factories.staff()
    await publish(api, clerk, a_version("2027-03-01", ["SMS_REMINDERS"]))
    await publish(api, clerk, a_version("2027-04-01", ["PUSH_NOTIFICATIONS"]))
    # then the newest version asks for both, and each says which version introduced it
    newest = await PolicyVersion.get(version="2027-04-01")
    assert {"SMS_REMINDERS", "PUSH_NOTIFICATIONS"} <= newest.purpose_names
    listed = await mine(api, ada)
    assert [(p["name"], p["introducedIn"]) for p in listed] == [
        ("SMS_REMINDERS", "2027-03-01"),
        ("PUSH_NOTIFICATIONS", "2027-04-01"),
    ]
    # and a consent to the older one is given under the version in force now
    answered = await answer(api, ada, "SMS_REMINDERS")
    assert (answered["answeredUnder"], answered["applies"]) == ("2027-04-01", True)


async def test_my_consent_history_keeps_to_the_core_purposes(api):
    ada, clerk = await factories.customer(), await factories.staff()
    await publish(api, clerk, a_version())
    await answer(api, ada)
    # then the history (whose purpose is the Purpose enum) still answers, without it
    history = (await api.data("{ me { consentHistory { purpose } } }", token=ada.token))["me"]
    assert {entry["purpose"] for entry in history["consentHistory"]} == set(Purpose)


async def test_the_core_purposes_ask_the_same_rule(settings):
    # given someone who consents to targeted ads, and not to contact sharing
    ada = await factories.customer(granted=(Purpose.TARGETED_ADS,))
    # then the one check and the policy rule agree for the core purposes too
    for purpose in Purpose:
        expected = purpose == Purpose.TARGETED_ADS
        assert await consent.allows(ada.account.id, purpose) is expected
        assert await policy.applies(ada.account.id, purpose) is expected


async def test_only_staff_publish_a_version_that_introduces_purposes(api):
    ada = await factories.customer()
    band = await factories.performer()
    key = await factories.api_key(band, factories.ApiScope.LISTINGS_READ)
    for token in (ada.token, band.token, key, None):
        result = (await api.data(PUBLISH, a_version(), token=token))["publishPolicyVersion"]
        assert result["__typename"] == "NotAuthorized"
    assert await PolicyVersion.all().count() == 1


@pytest.mark.parametrize(
    "purposes",
    [
        ["sms_reminders"],
        ["SMS REMINDERS"],
        ["SMS_REMINDERS\n"],
        ["S"],
        ["S" * 33],
        ["1SMS"],
        ["TARGETED_ADS"],
        ["SMS_REMINDERS", "SMS_REMINDERS"],
        [f"PURPOSE_{n}" for n in range(11)],
    ],
)
async def test_bad_purpose_names_are_refused_and_store_nothing(api, purposes):
    clerk = await factories.staff()
    result = await publish(api, clerk, a_version(purposes=purposes))
    assert (result["__typename"], result["field"]) == ("ValidationError", "introducesPurposes")
    assert await PolicyVersion.all().count() == 1


async def test_a_version_asks_for_no_more_purposes_than_it_can_hold(api):
    clerk = await factories.staff()
    # given a version that filled its list of purposes with the longest names
    longest = [f"PURPOSE_{n}_".ljust(32, "X") for n in range(10)]
    assert (await publish(api, clerk, a_version("2027-03-01", longest)))["purposes"]
    # then the next one cannot add another
    refused = await publish(api, clerk, a_version("2027-04-01", ["SMS_REMINDERS"]))
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "introducesPurposes")
    assert await PolicyVersion.all().count() == 2


async def test_a_purpose_is_introduced_once(api):
    clerk = await factories.staff()
    await publish(api, clerk, a_version("2027-03-01"))
    again = await publish(api, clerk, a_version("2027-04-01"))
    assert (again["__typename"], again["field"]) == ("ValidationError", "introducesPurposes")
    assert await PolicyVersion.all().count() == 2


@pytest.mark.parametrize(
    ("purpose", "field"),
    [
        ("TARGETED_ADS", "purpose"),
        ("NEVER_ASKED", "purpose"),
        ("SMS\u0007REMINDERS", "purpose"),
        ("", "purpose"),
    ],
)
async def test_bad_answers_are_refused_and_record_nothing(api, purpose, field):
    ada, clerk = await factories.customer(), await factories.staff()
    await publish(api, clerk, a_version())
    before = await ConsentEvent.all().count()
    refused = await answer(api, ada, purpose)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", field)
    assert await ConsentEvent.all().count() == before


async def test_only_a_person_answers_for_themselves(api):
    ada, clerk = await factories.customer(), await factories.staff()
    await publish(api, clerk, a_version())
    key = await factories.api_key(ada, factories.ApiScope.LISTINGS_READ)
    for token in (key, None):
        variables = {"purpose": "SMS_REMINDERS", "granted": True}
        result = (await api.data(ANSWER, variables, token=token))["consentToPurpose"]
        assert result["__typename"] == "NotAuthorized"
    assert not await ConsentEvent.filter(purpose="SMS_REMINDERS").exists()


async def test_a_consent_under_a_version_that_did_not_ask_for_the_purpose_never_covers_it(api):
    # given a "yes" to SMS reminders somehow recorded under the first version, which
    # never asked for them (written straight to the ledger: no request path can)
    ada, clerk = await factories.customer(), await factories.staff()
    first = await PolicyVersion.get(version="2013-06-14")
    await publish(api, clerk, a_version())
    await ConsentEvent.create(
        account_id=ada.account.id,
        purpose="SMS_REMINDERS",
        granted=True,
        source=ConsentSource.SETTINGS,
        policy_version_id=first.id,
    )
    # then it does not apply: only a consent under a version asking for it does
    assert not await consent.allows(ada.account.id, "SMS_REMINDERS")
    [listed] = await mine(api, ada)
    assert (listed["granted"], listed["answeredUnder"], listed["applies"]) == (
        True,
        "2013-06-14",
        False,
    )
