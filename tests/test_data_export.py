"""Right of access: `myDataExport` holds everything stored about the caller."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from jsonschema import Draft202012Validator
from tortoise import Tortoise

from models.outbox import MailKind, OutboundEmail
from models.purposes import Purpose
from models.sharing import ContactGrant
from models.webhooks import WebhookDelivery, WebhookEndpoint
from privacy import export, export_schema
from services import api_keys
from tests import factories

EXPORT = "{ myDataExport }"
SCHEMA_FILE = Path(__file__).parent.parent / "docs" / "export.schema.json"
SHARING = (Purpose.CONTACT_SHARING,)


def model_names() -> set[str]:
    return set(Tortoise.apps["models"])


async def test_every_table_is_exported_or_says_why_not(settings):
    exported = {section.model.__name__ for section in export.SECTIONS}
    classified = exported | export.NOT_ABOUT_PEOPLE | export.WITHHELD
    assert model_names() - classified == set(), "a new table must join privacy/export.SECTIONS"
    assert not exported & export.NOT_ABOUT_PEOPLE


async def a_person_in_every_table(api):
    """Someone with a row in every table an export covers."""
    ada = await factories.customer(name="Ada", granted=SHARING, phone="+1 512 555 0100")
    band = await factories.performer(granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))  # inquiry, grants both ways
    ada_as_performer_listing = await factories.listing(ada)  # a customer's row in `listing`
    other = await factories.customer(granted=SHARING)
    await factories.inquiry(other, ada_as_performer_listing)  # an inquiry received
    key, _token = await api_keys.create_key(ada.account, "CRM", [factories.ApiScope.CONTACTS_READ])
    endpoint = await WebhookEndpoint.create(  # a webhook endpoint with one delivery
        owner_id=ada.account.id,
        api_key_id=key.id,
        url="https://crm.example/",
        events="SHARE_ENDED",
        secret="whsec_c2VjcmV0",
    )
    await WebhookDelivery.create(
        endpoint_id=endpoint.id,
        event="SHARE_ENDED",
        message_id="msg_export",
        share_id=1,
        occurred_at=datetime.now(UTC),
        next_attempt_at=datetime.now(UTC),
    )
    revoked_for_ada = await factories.performer(granted=SHARING)  # a share with her ended
    await factories.inquiry(ada, await factories.listing(revoked_for_ada))
    await ContactGrant.filter(owner_id=revoked_for_ada.account.id).update(
        revoked_at=datetime.now(UTC)
    )
    await api.data(
        'mutation { submitTestimonial(input: {quote: "Great", eventType: "Party", '
        'city: "Austin", state: "TX"}) { __typename } }',
        token=ada.token,
    )
    await api.data(
        'mutation { filePrivacyRequest(input: {kind: ACCESS, message: "What do you hold?"}) '
        "{ __typename } }",
        token=ada.token,
    )
    await api.data("{ sharedContacts { edges { node { name } } } }", token=ada.token)  # audit
    await api.data("{ sharedContacts { edges { node { name } } } }", token=band.token)
    await OutboundEmail.create(
        kind=MailKind.WELCOME, recipient_id=ada.account.id, next_attempt_at=datetime.now(UTC)
    )
    await api.data(  # an invitation remembered (email a friend)
        'mutation { sendReferral(input: {friendName: "Zoe", friendEmail: "zoe@example.org"}) '
        "{ __typename } }",
        token=ada.token,
    )
    await api.data(  # a board post
        'mutation($l: ID!) { askListingQuestion(input: {listingId: $l, body: "Indoors?", '
        "acknowledgePublic: true}) { __typename } }",
        {"l": str(ada_as_performer_listing.id)},
        token=ada.token,
    )
    return ada


def rows(document, section):
    value = document[section.name]
    return [value] if section.single else value


async def test_the_export_holds_every_row_about_the_person_and_no_secret(api):
    # given
    ada = await a_person_in_every_table(api)
    walk = {
        section.name: sorted(
            await section.model.filter(section.about(ada.account.id)).values_list(
                section.model._meta.pk_attr, flat=True
            )
        )
        for section in export.SECTIONS
        if not section.single or section.name == "account"
    }
    # when
    document = (await api.data(EXPORT, token=ada.token))["myDataExport"]
    # then each section holds exactly the rows a walk of its table found about Ada
    for name, expected in walk.items():
        section = next(s for s in export.SECTIONS if s.name == name)
        exported = sorted(row["id"] for row in rows(document, section))
        assert exported == expected, name
        assert exported, f"the test data has no {name} row"
    assert document["privacyPreferences"]["contactSharing"] is True
    text = json.dumps(document)
    assert "$argon2" not in text and "token_hash" not in text and "tokenHash" not in text
    assert ada.token not in text
    assert "whsec_" not in text  # a webhook endpoint's signing secret
    assert document["account"]["phone"] == "+1 512 555 0100"
    assert document["account"]["registeredUnderPolicy"] == "2013-06-14"


async def test_the_export_is_the_documented_format(api):
    # given someone with a row in every table, and the published JSON Schema
    ada = await a_person_in_every_table(api)
    published = json.loads(SCHEMA_FILE.read_text())
    # when
    document = (await api.data(EXPORT, token=ada.token))["myDataExport"]
    # then the export validates against the schema, which names every field (no extras)
    Draft202012Validator.check_schema(published)
    errors = list(Draft202012Validator(published).iter_errors(document))
    assert errors == [], [error.message for error in errors[:5]]
    assert document["format"] == "backline-personal-data-export"
    assert document["version"] == export.FORMAT_VERSION


async def test_the_published_schema_is_the_one_the_code_describes(settings):
    assert SCHEMA_FILE.read_text() == export_schema.render(), (
        "run `.venv/bin/python -m privacy.export_schema > docs/export.schema.json`"
    )


async def test_every_column_is_a_field_or_left_out_with_a_reason(settings):
    for section in export.SECTIONS:
        meta = section.model._meta
        columns = {meta.db_pk_column} | set(meta.db_fields)
        fields = {field.column for field in section.fields}
        assert columns - fields - section.leave_out == set(), section.name
        assert not fields & section.leave_out, section.name
        names = [field.name for field in section.fields]
        assert len(names) == len(set(names)), section.name
        assert all(name[0].islower() and "_" not in name for name in names), section.name


async def test_an_export_for_someone_with_little_data_still_has_every_section(api):
    # given a person with only an account
    ada = await factories.customer()
    # when
    document = (await api.data(EXPORT, token=ada.token))["myDataExport"]
    # then every section is present, empty lists where there is nothing
    published = json.loads(SCHEMA_FILE.read_text())
    assert list(Draft202012Validator(published).iter_errors(document)) == []
    assert document["listings"] == [] and document["testimonials"] == []


async def test_nobody_gets_an_empty_export_and_a_key_gets_none(api):
    assert (await api.data(EXPORT))["myDataExport"] == {}
    band = await factories.performer()
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    errors = await api.errors(EXPORT, token=key)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
