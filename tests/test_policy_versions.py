"""Policy changes: 30 days' notice for a material change, mailed to every active
account; data used under the policy it was collected under."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from errors import InvalidInput
from mailers.worker import Worker
from models.accounts import Account, AccountStatus, ConsentEvent
from models.outbox import MailKind, OutboundEmail
from models.policies import PolicyVersion
from models.purposes import ConsentSource, Purpose
from privacy import consent
from privacy import policies as policy
from services import policies
from tests import factories

PUBLISH = """
mutation Publish($input: PolicyVersionInput!) {
  publishPolicyVersion(input: $input) {
    __typename
    ... on PolicyNotice { version materialChange effectiveAt }
    ... on ValidationError { field message }
    ... on NotAuthorized { message }
  }
}
"""
NOTICES = "{ policyNotices { version materialChange } privacyPolicy { version } }"


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def version(name="2027-01-01", material=True, days=31.0):
    return {
        "input": {
            "version": name,
            "summary": "We add a new partner.",
            "materialChange": material,
            "effectiveAt": in_days(days),
        }
    }


async def test_the_policy_in_force_is_the_first_version(api):
    result = await api.data(NOTICES)
    assert result["privacyPolicy"] == {"version": "2013-06-14"}


async def test_a_material_change_under_30_days_away_is_refused(api):
    clerk = await factories.staff()
    result = (await api.data(PUBLISH, version(days=29), token=clerk.token))["publishPolicyVersion"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "effectiveAt"
    assert await PolicyVersion.all().count() == 1
    assert not await OutboundEmail.exists()


async def test_a_material_change_is_announced_and_mailed_to_every_active_account(
    api, mail_settings, inbox
):
    # given two active accounts and a cancelled one
    clerk = await factories.staff(email="clerk@example.com")
    ada = await factories.customer(email="ada@example.com")
    gone = await factories.customer(email="gone@example.com")
    await Account.filter(id=gone.account.id).update(status=AccountStatus.CANCELLED)
    # when
    result = (await api.data(PUBLISH, version(), token=clerk.token))["publishPolicyVersion"]
    # then it is announced at once, not yet in force
    assert result["__typename"] == "PolicyNotice"
    notices = await api.data(NOTICES)
    assert notices["privacyPolicy"] == {"version": "2013-06-14"}
    assert {"version": "2027-01-01", "materialChange": True} in notices["policyNotices"]
    # and every active account is told, by transactional mail
    await Worker(mail_settings).drain()
    assert {message["To"].addresses[0].addr_spec for message in inbox.messages} == {
        "clerk@example.com",
        "ada@example.com",
    }
    [notice] = inbox.to("ada@example.com")
    assert notice["List-Unsubscribe"] is None
    assert "We add a new partner." in notice.get_body(("plain",)).get_content()
    assert ada.account.id != gone.account.id


async def test_a_non_material_change_needs_no_wait_and_mails_nobody(api):
    clerk = await factories.staff()
    result = await api.data(PUBLISH, version(material=False, days=0), token=clerk.token)
    assert result["publishPolicyVersion"]["__typename"] == "PolicyNotice"
    assert (await api.data(NOTICES))["privacyPolicy"] == {"version": "2027-01-01"}
    assert not await OutboundEmail.filter(kind=MailKind.POLICY_NOTICE).exists()


async def test_a_version_that_introduces_a_purpose_is_material_by_definition(
    api, mail_settings, inbox
):
    # given staff and one member
    clerk = await factories.staff(email="clerk@example.com")
    await factories.customer(email="ada@example.com")
    introducing = version(material=False, days=0)
    introducing["input"]["introducesPurposes"] = ["SMS_REMINDERS"]
    # when staff publish a version introducing a purpose as not material, to take effect now
    result = (await api.data(PUBLISH, introducing, token=clerk.token))["publishPolicyVersion"]
    # then it is refused on materialChange, nothing takes effect and nobody is mailed
    assert (result["__typename"], result["field"]) == ("ValidationError", "materialChange")
    assert (await api.data(NOTICES))["privacyPolicy"] == {"version": "2013-06-14"}
    assert await PolicyVersion.all().count() == 1
    assert not await OutboundEmail.exists()
    # and as a material change it still needs its 30 days
    introducing["input"] |= {"materialChange": True, "effectiveAt": in_days(29)}
    result = (await api.data(PUBLISH, introducing, token=clerk.token))["publishPolicyVersion"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "effectiveAt")
    # when it is announced 30 days ahead
    introducing["input"]["effectiveAt"] = in_days(31)
    result = (await api.data(PUBLISH, introducing, token=clerk.token))["publishPolicyVersion"]
    # then it is listed, not yet in force, and every active account is mailed
    assert (result["__typename"], result["materialChange"]) == ("PolicyNotice", True)
    assert (await api.data(NOTICES))["privacyPolicy"] == {"version": "2013-06-14"}
    await Worker(mail_settings).drain()
    assert {message["To"].addresses[0].addr_spec for message in inbox.messages} == {
        "clerk@example.com",
        "ada@example.com",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": " "}, "version"),
        ({"summary": ""}, "summary"),
        ({"effectiveAt": "2020-01-01T00:00:00+00:00", "materialChange": False}, "effectiveAt"),
        ({"version": "2013-06-14"}, "version"),
    ],
)
async def test_bad_policy_versions_are_refused_and_store_nothing(api, change, field):
    clerk = await factories.staff()
    variables = version()
    variables["input"] |= change
    result = (await api.data(PUBLISH, variables, token=clerk.token))["publishPolicyVersion"]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert await PolicyVersion.all().count() == 1


async def test_only_staff_publish_policy_versions(api):
    ada = await factories.customer()
    band = await factories.performer()
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    for token in (ada.token, band.token, key, None):
        result = (await api.data(PUBLISH, version(), token=token))["publishPolicyVersion"]
        assert result["__typename"] == "NotAuthorized"
    assert await PolicyVersion.all().count() == 1


async def test_each_choice_names_the_version_in_force_when_it_was_made(api):
    # given someone who registered under the first version
    ada = await factories.customer()
    clerk = await factories.staff()
    # when a new version comes into force and they change a choice
    await api.data(PUBLISH, version(material=False, days=0), token=clerk.token)
    await api.data(
        "mutation { updatePrivacyPreferences(input: {targetedAds: true}) { __typename } }",
        token=ada.token,
    )
    # then the old choices keep their version, the new one names the new version
    history = (
        await api.data(
            "{ me { registeredUnderPolicy consentHistory { purpose policyVersion } } }",
            token=ada.token,
        )
    )["me"]
    assert history["registeredUnderPolicy"] == "2013-06-14"
    assert history["consentHistory"][0] == {
        "purpose": "TARGETED_ADS",
        "policyVersion": "2027-01-01",
    }
    assert {entry["policyVersion"] for entry in history["consentHistory"][1:]} == {"2013-06-14"}
    assert (await policy.governing_version(ada.account.id, "TARGETED_ADS")).version == "2027-01-01"
    assert (await policy.governing_version(ada.account.id, "CONTACT_SHARING")).version == (
        "2013-06-14"
    )


async def test_a_purpose_a_newer_version_introduces_applies_only_after_consent_under_it(settings):
    # given an account registered under the first version
    ada = await factories.customer(granted=(Purpose.CONTACT_SHARING,))
    assert await policy.applies(ada.account.id, "CONTACT_SHARING")
    # a purpose no version asks for cannot be consented to
    with pytest.raises(InvalidInput):
        await consent.record_choice(
            ada.account, "SMS_REMINDERS", True, ConsentSource.SETTINGS, None
        )
    # when a version introducing it is announced, it does not apply before it takes effect
    await policies.publish(
        version="2027-02-01",
        summary="SMS reminders before your event.",
        material_change=True,
        effective_at=datetime.now(UTC) + timedelta(days=30),
        introduces=("SMS_REMINDERS",),
    )
    assert not await policy.applies(ada.account.id, "SMS_REMINDERS")
    # nor once in force, for someone who has not consented under it
    await PolicyVersion.filter(version="2027-02-01").update(effective_at=datetime.now(UTC))
    assert not await policy.applies(ada.account.id, "SMS_REMINDERS")
    # it applies once they consent under the new version
    event = await consent.record_choice(
        ada.account, "SMS_REMINDERS", True, ConsentSource.SETTINGS, None
    )
    assert (await event.policy_version).version == "2027-02-01"
    assert await policy.applies(ada.account.id, "SMS_REMINDERS")
    # and the older purposes stay governed by the version they were given under
    assert (await policy.governing_version(ada.account.id, "CONTACT_SHARING")).version == (
        "2013-06-14"
    )
    assert await ConsentEvent.filter(account_id=ada.account.id).count() == len(Purpose) + 1
