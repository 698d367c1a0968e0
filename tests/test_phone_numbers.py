"""Phone numbers are stored in E.164, parsed by libphonenumber with DEFAULT_PHONE_REGION
for numbers written without +: one number is one value however it was written."""

from __future__ import annotations

import pytest

from models.accounts import Account
from models.purposes import Purpose
from models.sharing import ContactGrant
from services.profiles import normalize_stored_phones
from settings import Settings
from tests import factories
from tests.conftest import client_for
from tests.test_cli import migrated, run  # noqa: F401 (a fixture, and its helper)
from tests.test_encryption import raw_phone
from tests.test_staff_lookup import correct_profile

UPDATE_PHONE = """
mutation($phone: String) { updateProfile(input: {phone: $phone}) {
  __typename ... on Account { phone } ... on ValidationError { field message } } }
"""


async def set_phone(api, person, phone: str | None) -> dict:
    return (await api.data(UPDATE_PHONE, {"phone": phone}, token=person.token))["updateProfile"]


@pytest.mark.parametrize(
    "written",
    [
        "+1 512 555 0100",
        "+15125550100",
        "(512) 555-0100",
        "512.555.0100",
        "1-512-555-0100",
        "+1 (512) 555 0100",
        "011 1 512 555 0100",
        "\uff15\uff11\uff12 \uff15\uff15\uff15 \uff10\uff11\uff10\uff10",
    ],
)
async def test_a_number_is_stored_in_e164_however_it_is_written(api, written):
    ada = await factories.customer()
    result = await set_phone(api, ada, written)
    assert result == {"__typename": "Account", "phone": "+15125550100"}
    assert (await Account.get(id=ada.account.id)).phone == "+15125550100"


@pytest.mark.parametrize(
    "written",
    [
        "call me",
        "12345",
        "+1 555 0100 22",
        "512-555-0100 x23",
        "1-800-FLOWERS",
        "+999 1234 5678",
        "+44 20 7946",
        "512\u200b555\u200b0100",
        "5" * 41,
    ],
)
async def test_an_invalid_number_is_refused_and_changes_nothing(api, written):
    ada = await factories.customer(phone="+15125550100")
    before = await raw_phone(ada.account.id)
    result = await set_phone(api, ada, written)
    assert (result["__typename"], result["field"]) == ("ValidationError", "phone")
    assert "not a valid phone number" in result["message"]
    assert await raw_phone(ada.account.id) == before


@pytest.mark.parametrize("stored", ["+15125550100", "+1 512 555 0100"])
async def test_the_same_number_in_another_writing_is_no_change(api, stored):
    # given Ada's number (in E.164, or as written before numbers were normalised),
    # shared with a band
    band = await factories.performer(granted=(Purpose.CONTACT_SHARING,))
    ada = await factories.customer(phone=stored, granted=(Purpose.CONTACT_SHARING,))
    await factories.inquiry(ada, await factories.listing(band))
    seq = await ContactGrant.get(owner_id=ada.account.id).values_list("change_seq", flat=True)
    ciphertext = await raw_phone(ada.account.id)
    # when she saves it written another way
    assert (await set_phone(api, ada, "(512) 555-0100"))["__typename"] == "Account"
    # then nothing is written: no new ciphertext, no move in the partner's sync
    assert await raw_phone(ada.account.id) == ciphertext
    assert (
        await ContactGrant.get(owner_id=ada.account.id).values_list("change_seq", flat=True) == seq
    )
    # and another number is a change
    assert (await set_phone(api, ada, "512 555 0199"))["phone"] == "+15125550199"


async def test_a_number_without_a_plus_is_read_in_the_deployments_region(settings):
    ada = await factories.customer()
    british = Settings(
        **settings.model_dump(exclude={"default_phone_region"}), default_phone_region="gb"
    )
    async for api in client_for(settings):
        assert (await set_phone(api, ada, "020 7946 0958"))["field"] == "phone"
    async for api in client_for(british):
        assert (await set_phone(api, ada, "020 7946 0958"))["phone"] == "+442079460958"
        # a number with + is from where it says
        assert (await set_phone(api, ada, "+1 512 555 0100"))["phone"] == "+15125550100"


async def test_staff_corrections_store_e164_too(api):
    ada = await factories.customer(phone="+15125550100")
    clerk = await factories.staff()
    corrected = await correct_profile(api, clerk.token, str(ada.account.id), phone="(512) 555-0199")
    assert corrected["__typename"] == "AccountSummary"
    assert (await Account.get(id=ada.account.id)).phone == "+15125550199"
    refused = await correct_profile(api, clerk.token, str(ada.account.id), phone="555")
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "phone")
    assert (await Account.get(id=ada.account.id)).phone == "+15125550199"


async def test_stored_numbers_are_rewritten_in_e164_and_invalid_ones_left(api):
    # given numbers stored before they were normalised, one already in E.164, one invalid
    written = await factories.customer(phone="(512) 555-0100")
    foreign = await factories.customer(phone="+44 20 7946 0958")
    done = await factories.customer(phone="+15125550199")
    invalid = await factories.customer(phone="555 01")
    await factories.customer(phone=None)
    untouched = await raw_phone(done.account.id)
    # when the command's service runs
    report = await normalize_stored_phones("US")
    # then the first two are in E.164, the others as they were (no new ciphertext)
    assert (report.checked, report.normalized, report.invalid) == (4, 2, 1)
    assert (await Account.get(id=written.account.id)).phone == "+15125550100"
    assert (await Account.get(id=foreign.account.id)).phone == "+442079460958"
    assert await raw_phone(done.account.id) == untouched
    assert (await Account.get(id=invalid.account.id)).phone == "555 01"
    # and a second run has nothing left to do
    again = await normalize_stored_phones("US")
    assert (again.normalized, again.invalid) == (0, 1)


def test_the_normalize_phones_command_reports_what_it_did(migrated):  # noqa: F811
    result = run(migrated, "normalize-phones")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "normalize-phones: 0 number(s) checked, 0 rewritten in E.164, "
        "0 invalid left as they are (their owners correct them)"
    )
    assert run(migrated, "normalize-phones", DEFAULT_PHONE_REGION="XX").returncode != 0
