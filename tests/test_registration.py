"""Registration asks name and email, and every consent choice at the point of collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import tokens
from models.accounts import Account, ConsentEvent, Session
from models.policies import PolicyVersion
from models.purposes import ConsentSource, Purpose

REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    __typename
    ... on AuthPayload { token account { id email role status } }
    ... on ValidationError { field message }
    ... on EmailTaken { message }
  }
}
"""
ME = """
{ me { email registeredUnderPolicy
  privacyPreferences { promotionalEmails partnerPromotions contactSharing targetedAds }
  consentHistory { purpose granted source policyVersion } } }
"""


def registration(**overrides):
    values = {
        "name": "Ada Organizer",
        "email": "ada@example.com",
        "password": "a long enough password",
        "role": "CUSTOMER",
        "consents": {
            "promotionalEmails": False,
            "partnerPromotions": False,
            "contactSharing": True,
            "targetedAds": False,
        },
    }
    return {"input": values | overrides}


async def test_registration_records_each_choice_in_the_ledger_under_the_policy_in_force(api):
    # given a version in force that is neither the first nor the latest announced: the
    # next one is announced but takes effect in 30 days
    now = datetime.now(UTC)
    for version, effective_at in (
        ("2020-01-01", now - timedelta(days=400)),
        ("2031-01-01", now + timedelta(days=30)),
    ):
        await PolicyVersion.create(
            version=version,
            summary="A revision.",
            material_change=True,
            announced_at=effective_at - timedelta(days=30),
            effective_at=effective_at,
        )
    # when
    result = (await api.data(REGISTER, registration()))["register"]
    # then
    assert result["__typename"] == "AuthPayload"
    me = (await api.data(ME, token=result["token"]))["me"]
    assert me["registeredUnderPolicy"] == "2020-01-01"
    assert me["privacyPreferences"] == {
        "promotionalEmails": False,
        "partnerPromotions": False,
        "contactSharing": True,
        "targetedAds": False,
    }
    assert sorted((e["purpose"], e["granted"]) for e in me["consentHistory"]) == sorted(
        [
            ("PROMOTIONAL_EMAILS", False),
            ("PARTNER_PROMOTIONS", False),
            ("CONTACT_SHARING", True),
            ("TARGETED_ADS", False),
        ]
    )
    assert {e["source"] for e in me["consentHistory"]} == {"REGISTRATION"}
    assert [e["policyVersion"] for e in me["consentHistory"]] == ["2020-01-01"] * 4
    events = await ConsentEvent.filter(account_id=int(result["account"]["id"]))
    assert {event.ip for event in events} == {"203.0.113.9"}


async def test_registration_without_every_consent_choice_is_refused_and_stores_nothing(api):
    # given a client that leaves out one choice, hoping for a default
    variables = registration(
        consents={"promotionalEmails": False, "partnerPromotions": False, "contactSharing": True}
    )
    # when
    errors = await api.errors(REGISTER, variables)
    # then
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await Account.all().count() == 0


async def test_invalid_email_is_a_validation_error_naming_the_field(api):
    result = (await api.data(REGISTER, registration(email="not-an-address")))["register"]
    assert result == {
        "__typename": "ValidationError",
        "field": "email",
        "message": "This is not a valid email address.",
    }
    assert await Account.all().count() == 0


async def test_short_password_is_a_validation_error_naming_the_field(api):
    result = (await api.data(REGISTER, registration(password="short")))["register"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "password"
    assert await Account.all().count() == 0


async def test_empty_name_is_a_validation_error(api):
    result = (await api.data(REGISTER, registration(name="   ")))["register"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "name")


async def test_nobody_can_register_as_staff(api):
    result = (await api.data(REGISTER, registration(role="STAFF")))["register"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "role")
    assert await Account.all().count() == 0


async def test_an_email_address_owns_one_account_whatever_its_case(api):
    # given
    await api.data(REGISTER, registration())
    # when
    result = (await api.data(REGISTER, registration(email="ADA@Example.com", name="Other")))[
        "register"
    ]
    # then
    assert result["__typename"] == "EmailTaken"
    assert await Account.all().count() == 1
    assert await ConsentEvent.all().count() == len(Purpose)


async def test_password_is_stored_as_argon2id_and_session_token_only_as_its_hash(api):
    result = (await api.data(REGISTER, registration()))["register"]
    account = await Account.get(id=int(result["account"]["id"]))
    assert account.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in account.password_hash
    session = await Session.get(account_id=account.id)
    assert session.token_hash == tokens.hash_token(result["token"])
    assert result["token"] not in session.token_hash


async def test_registration_source_is_recorded_for_a_performer_too(api):
    result = (await api.data(REGISTER, registration(role="PERFORMER")))["register"]
    assert result["account"]["role"] == "PERFORMER"
    sources = await ConsentEvent.filter(account_id=int(result["account"]["id"])).values_list(
        "source", flat=True
    )
    assert set(sources) == {ConsentSource.REGISTRATION}
