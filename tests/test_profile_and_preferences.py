"""Correct/update one's profile; change privacy choices, each recorded in the ledger."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from tortoise import connections

from models.accounts import Account, ConsentEvent, PrivacyPreferences
from models.purposes import ConsentSource, Purpose
from models.sharing import ContactGrant
from privacy import consent
from tests import factories

UPDATE_PROFILE = """
mutation Update($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    __typename
    ... on Account { name email phone }
    ... on ValidationError { field message }
    ... on EmailTaken { message }
    ... on NotAuthorized { message }
  }
}
"""
UPDATE_PREFERENCES = """
mutation Prefs($input: PrivacyPreferencesInput!) {
  updatePrivacyPreferences(input: $input) {
    __typename
    ... on PrivacyPreferences { promotionalEmails partnerPromotions contactSharing targetedAds }
    ... on NotAuthorized { message }
  }
}
"""


async def test_profile_update_changes_only_the_fields_given(api):
    ada = await factories.customer(name="Ada", email="ada@example.com")
    result = (
        await api.data(UPDATE_PROFILE, {"input": {"phone": "+1 512 555 0100"}}, token=ada.token)
    )["updateProfile"]
    assert result == {
        "__typename": "Account",
        "name": "Ada",
        "email": "ada@example.com",
        "phone": "+15125550100",
    }


async def test_phone_can_be_cleared_with_null(api):
    ada = await factories.customer(phone="+1 512 555 0100")
    result = (await api.data(UPDATE_PROFILE, {"input": {"phone": None}}, token=ada.token))[
        "updateProfile"
    ]
    assert result["phone"] is None


async def test_email_stays_unique_and_a_refused_change_leaves_the_profile_as_it_was(api):
    await factories.customer(email="taken@example.com")
    ada = await factories.customer(name="Ada", email="ada@example.com")
    result = (
        await api.data(
            UPDATE_PROFILE,
            {"input": {"name": "Ada L.", "email": "Taken@example.com"}},
            token=ada.token,
        )
    )["updateProfile"]
    assert result["__typename"] == "EmailTaken"
    stored = await Account.get(id=ada.account.id)
    assert (stored.name, stored.email) == ("Ada", "ada@example.com")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "nope"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"name": "x" * 201}, "name"),
    ],
)
async def test_bad_profile_values_are_validation_errors_and_change_nothing(api, change, field):
    ada = await factories.customer(name="Ada", email="ada@example.com")
    result = (
        await api.data(
            UPDATE_PROFILE, {"input": {"phone": "+1 555 0100 22", **change}}, token=ada.token
        )
    )["updateProfile"]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    stored = await Account.get(id=ada.account.id)
    assert (stored.name, stored.email, stored.phone) == ("Ada", "ada@example.com", None)


async def test_anonymous_profile_update_is_not_authorized(api):
    result = (await api.data(UPDATE_PROFILE, {"input": {"name": "Mallory"}}))["updateProfile"]
    assert result["__typename"] == "NotAuthorized"


async def test_preference_update_changes_only_the_given_purposes_and_records_each(api):
    # given someone who said yes to contact sharing only
    ada = await factories.customer(granted=(Purpose.CONTACT_SHARING,))
    # when they opt in to our own promotions
    result = (
        await api.data(UPDATE_PREFERENCES, {"input": {"promotionalEmails": True}}, token=ada.token)
    )["updatePrivacyPreferences"]
    # then only that choice changed, and the ledger has one new SETTINGS entry for it
    assert result == {
        "__typename": "PrivacyPreferences",
        "promotionalEmails": True,
        "partnerPromotions": False,
        "contactSharing": True,
        "targetedAds": False,
    }
    history = (
        await api.data("{ me { consentHistory { purpose granted source } } }", token=ada.token)
    )["me"]["consentHistory"]
    assert history[0] == {"purpose": "PROMOTIONAL_EMAILS", "granted": True, "source": "SETTINGS"}
    assert len(history) == len(Purpose) + 1


async def test_consent_history_is_newest_first(api):
    ada = await factories.customer()
    await api.data(UPDATE_PREFERENCES, {"input": {"targetedAds": True}}, token=ada.token)
    await api.data(UPDATE_PREFERENCES, {"input": {"targetedAds": False}}, token=ada.token)
    history = (
        await api.data("{ me { consentHistory { purpose granted recordedAt } } }", token=ada.token)
    )["me"]["consentHistory"]
    assert [(e["purpose"], e["granted"]) for e in history[:2]] == [
        ("TARGETED_ADS", False),
        ("TARGETED_ADS", True),
    ]
    assert history[0]["recordedAt"] >= history[-1]["recordedAt"]


async def test_anonymous_preference_update_is_not_authorized_and_records_nothing(api):
    before = await ConsentEvent.all().count()
    result = (await api.data(UPDATE_PREFERENCES, {"input": {"targetedAds": True}}))[
        "updatePrivacyPreferences"
    ]
    assert result["__typename"] == "NotAuthorized"
    assert await ConsentEvent.all().count() == before


@contextlib.asynccontextmanager
async def ledger_inserts_fail() -> AsyncIterator[None]:
    """A real database failure on the ledger's INSERT, after the preferences' UPDATE."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script(
            "CREATE FUNCTION refuse_ledger() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql; "
            "CREATE TRIGGER refuse_ledger BEFORE INSERT ON consent_event "
            "FOR EACH ROW EXECUTE FUNCTION refuse_ledger();"
        )
    else:
        await connection.execute_script(
            "CREATE TRIGGER refuse_ledger BEFORE INSERT ON consent_event "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        )
    try:
        yield
    finally:
        if connection.capabilities.dialect == "postgres":
            await connection.execute_script(
                "DROP TRIGGER refuse_ledger ON consent_event; DROP FUNCTION refuse_ledger();"
            )
        else:
            await connection.execute_script("DROP TRIGGER refuse_ledger;")


async def test_preferences_and_ledger_are_written_together(settings):
    # given an account that has said no to promotional mail
    ada = await factories.customer()
    events_before = await ConsentEvent.filter(account_id=ada.account.id).count()
    # when the ledger write fails after the preferences were updated
    async with ledger_inserts_fail():
        with pytest.raises(Exception, match="injected failure"):
            await consent.record_choices(
                ada.account, {Purpose.PROMOTIONAL_EMAILS: True}, ConsentSource.SETTINGS, None
            )
    # then neither the preferences nor the ledger changed
    preferences = await PrivacyPreferences.get(account_id=ada.account.id)
    assert preferences.promotional_emails is False
    assert await ConsentEvent.filter(account_id=ada.account.id).count() == events_before


async def test_no_recorded_choice_means_no_consent(settings):
    ada = await factories.customer(granted=(Purpose.CONTACT_SHARING,))
    assert await consent.allows(ada.account.id, Purpose.CONTACT_SHARING)
    assert not await consent.allows(ada.account.id, Purpose.TARGETED_ADS)
    assert not await consent.allows(999_999, Purpose.CONTACT_SHARING)


async def test_null_in_a_patch_input_leaves_the_field_as_it_is(api):
    # given a person with a name, an address, a phone and some choices
    ada = await factories.customer(
        name="Ada", email="ada@example.com", phone="+1 555 0100 22", granted=(Purpose.TARGETED_ADS,)
    )
    # when a client sends explicit nulls, as the schema allows
    profile = await api.data(
        UPDATE_PROFILE, {"input": {"name": None, "email": None}}, token=ada.token
    )
    choices_answer = await api.data(
        UPDATE_PREFERENCES,
        {"input": {"partnerPromotions": None, "targetedAds": None, "promotionalEmails": True}},
        token=ada.token,
    )
    # then nothing is refused and only what had a value changed
    assert profile["updateProfile"]["__typename"] == "Account"
    assert choices_answer["updatePrivacyPreferences"]["__typename"] == "PrivacyPreferences"
    stored = await Account.get(id=ada.account.id)
    assert (stored.name, stored.email, stored.phone) == ("Ada", "ada@example.com", "+1 555 0100 22")
    choices = await PrivacyPreferences.get(account_id=ada.account.id)
    assert (choices.promotional_emails, choices.partner_promotions, choices.targeted_ads) == (
        True,
        False,
        True,
    )
    recorded = await ConsentEvent.filter(account_id=ada.account.id, source="SETTINGS")
    assert [(event.purpose, event.granted) for event in recorded] == [("PROMOTIONAL_EMAILS", True)]


async def test_saving_the_same_phone_is_no_change_for_partners_syncing_it(api):
    # given Ada's details shared with a band, with a phone number
    band = await factories.performer(granted=(Purpose.CONTACT_SHARING,))
    ada = await factories.customer(phone="+1 512 555 0100", granted=(Purpose.CONTACT_SHARING,))
    await factories.inquiry(ada, await factories.listing(band))
    before = await ContactGrant.get(owner_id=ada.account.id).values_list("change_seq", flat=True)
    stored = (await Account.get(id=ada.account.id)).phone
    # when she saves her profile with the same phone and name
    same = {"input": {"phone": "+1 512 555 0100", "name": ada.account.name}}
    await api.data(UPDATE_PROFILE, same, token=ada.token)
    # then nothing was written: her share keeps its place in every partner's sync
    after = await ContactGrant.get(owner_id=ada.account.id).values_list("change_seq", flat=True)
    assert after == before
    assert (await Account.get(id=ada.account.id)).phone == stored
    # and a new number is a change
    await api.data(UPDATE_PROFILE, {"input": {"phone": "+1 512 555 0199"}}, token=ada.token)
    moved = await ContactGrant.get(owner_id=ada.account.id).values_list("change_seq", flat=True)
    assert moved > before
