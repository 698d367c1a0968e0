"""The company's contact point: `privacyContact` answers the settings' values to anyone,
and /.well-known/security.txt (RFC 9116) names the security contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from graphql import parse, validate
from pydantic import ValidationError

from models.retention import RequestLog
from schema.limits import CostEstimate
from settings import Settings
from tests import factories
from tests.conftest import client_for
from web.graphql_schema import build_schema

CONTACT = "{ privacyContact { controllerName email postalAddress phone } }"
SECURITY_TXT = "/.well-known/security.txt"
RFC_3339_UTC = "%Y-%m-%dT%H:%M:%SZ"


def fields(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, _, value = line.partition(": ")
        found.setdefault(name, []).append(value)
    return found


async def test_anyone_gets_the_contact_point_from_settings(api, settings):
    expected = {
        "controllerName": settings.privacy_controller_name,
        "email": settings.privacy_email,
        "postalAddress": settings.privacy_postal_address,
        "phone": settings.privacy_phone,
    }
    assert all(expected.values())
    # anonymous, and signed in: the same answer
    assert (await api.data(CONTACT))["privacyContact"] == expected
    ada = await factories.customer()
    assert (await api.data(CONTACT, token=ada.token))["privacyContact"] == expected


async def test_the_contact_point_follows_its_settings(settings):
    overridden = settings.model_copy(
        update={
            "privacy_controller_name": "Gig Co. GmbH",
            "privacy_email": "dpo@gig.example",
            "privacy_postal_address": "Hauptstrasse 1, 10115 Berlin, Germany",
            "privacy_phone": "+49 30 1234567",
        }
    )
    async for api in client_for(overridden):
        assert (await api.data(CONTACT))["privacyContact"] == {
            "controllerName": "Gig Co. GmbH",
            "email": "dpo@gig.example",
            "postalAddress": "Hauptstrasse 1, 10115 Berlin, Germany",
            "phone": "+49 30 1234567",
        }


async def test_the_contact_point_is_a_cached_public_answer(api, sql_queries):
    await api.data(CONTACT)
    sql_queries.reset()
    assert (await api.data(CONTACT))["privacyContact"]["email"]
    # served by the public cache: its version check and the log line, nothing else
    assert all("public_version" in sql or "request_log" in sql for sql in sql_queries.statements)
    assert any("public_version" in sql for sql in sql_queries.statements)


def test_the_contact_query_is_valid_and_costs_nothing_against_the_limit(settings):
    schema = build_schema(settings)._schema
    document = parse(CONTACT)
    assert validate(schema, document) == []
    cost = CostEstimate.of(
        schema,
        document,
        None,
        None,
        page_size=settings.max_page_size,
        list_items=settings.max_list_items,
    )
    assert cost == 0


async def test_security_txt_has_every_required_field(api, settings):
    response = await api.http.get(SECURITY_TXT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    found = fields(response.text)
    assert found["Contact"] == ["mailto:security@backline.example"]
    assert found["Preferred-Languages"] == ["en"]
    assert found["Canonical"] == [f"{settings.public_url}{SECURITY_TXT}"]
    assert "Policy" not in found  # optional, only when set
    # exactly one Expires, in RFC 3339, in the future and less than a year ahead
    [expires_text] = found["Expires"]
    expires = datetime.strptime(expires_text, RFC_3339_UTC).replace(tzinfo=UTC)
    now = datetime.now(UTC)
    assert now < expires < now + timedelta(days=365)
    # and the headers every response carries
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_security_txt_follows_its_settings(settings):
    overridden = settings.model_copy(
        update={
            "security_contact": "https://backline.example/report",
            "security_txt_expires": datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC),
            "security_policy_url": "https://backline.example/security-policy",
        }
    )
    async for api in client_for(overridden):
        found = fields((await api.http.get(SECURITY_TXT)).text)
    assert found["Contact"] == ["https://backline.example/report"]
    assert found["Expires"] == ["2099-01-02T03:04:05Z"]
    assert found["Policy"] == ["https://backline.example/security-policy"]


async def test_security_txt_stays_within_the_routes_limits(api):
    # it answers GET only, is logged by its route, and is small
    response = await api.http.get(SECURITY_TXT)
    assert len(response.content) < 1_000
    assert (await api.http.post(SECURITY_TXT, content=b"x")).status_code == 405
    assert {row.path for row in await RequestLog.all()} == {SECURITY_TXT}


@pytest.mark.parametrize(
    "contact",
    ["security@backline.example", "http://backline.example/report", "mailto:a@b.example\nX: y"],
)
def test_a_security_contact_must_be_a_single_mailto_https_or_tel_uri(contact):
    with pytest.raises(ValidationError, match="security_contact"):
        Settings(secret_key="k" * 32, security_contact=contact)
