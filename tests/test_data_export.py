"""Right of access: `myDataExport` holds everything stored about the caller."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tortoise import Tortoise

from models.outbox import MailKind, OutboundEmail
from models.purposes import Purpose
from privacy import export
from tests import factories

EXPORT = "{ myDataExport }"
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
    await factories.api_key(ada, factories.ApiScope.CONTACTS_READ)
    await api.data(
        'mutation { submitTestimonial(input: {quote: "Great", eventType: "Party", '
        'city: "Austin", state: "TX"}) { __typename } }',
        token=ada.token,
    )
    await api.data("{ sharedContacts { edges { node { name } } } }", token=ada.token)  # audit
    await api.data("{ sharedContacts { edges { node { name } } } }", token=band.token)
    await OutboundEmail.create(
        kind=MailKind.WELCOME, recipient_id=ada.account.id, next_attempt_at=datetime.now(UTC)
    )
    return ada


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
    }
    # when
    document = (await api.data(EXPORT, token=ada.token))["myDataExport"]
    # then each section holds exactly the rows a walk of its table found about Ada
    for section in export.SECTIONS:
        pk_column = section.model._meta.db_pk_column
        exported = sorted(row[pk_column] for row in document[section.name])
        assert exported == walk[section.name], section.name
        assert exported, f"the test data has no {section.name} row"
    text = json.dumps(document)
    assert "$argon2" not in text and "token_hash" not in text
    assert ada.token not in text
    assert document["account"][0]["phone"] == "+1 512 555 0100"


async def test_nobody_gets_an_empty_export_and_a_key_gets_none(api):
    assert (await api.data(EXPORT))["myDataExport"] == {}
    band = await factories.performer()
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    errors = await api.errors(EXPORT, token=key)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
