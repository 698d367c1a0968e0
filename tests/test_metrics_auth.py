"""/metrics: behind a bearer token in production (off without one), open in
development, and with a bounded set of label values whatever clients send."""

from __future__ import annotations

import re

from models.purposes import Purpose
from models.tokens import LinkSigner
from privacy.unsubscribe import make_token
from settings import Settings
from tests import factories
from tests.conftest import client_for

METRICS_TOKEN = "metrics-token-for-tests-0123456789"  # noqa: S105 (test data)


def with_token(settings: Settings, **extra) -> Settings:
    return Settings(
        **settings.model_dump(exclude={"metrics_token", *extra}),
        metrics_token=METRICS_TOKEN,
        **extra,
    )


def operation_labels(text: str) -> set[str]:
    return set(re.findall(r'backline_requests_total\{operation="([^"]*)"', text))


async def test_in_production_metrics_are_off_without_a_token(production_api):
    # given production with no METRICS_TOKEN
    # when anyone asks for the metrics
    response = await production_api.http.get("/metrics")
    # then there are none to see
    assert response.status_code == 404
    assert "backline_requests" not in response.text


async def test_in_production_metrics_need_the_bearer_token(production_settings):
    # given production with a METRICS_TOKEN
    async for api in client_for(with_token(production_settings)):
        await api.data("{ categories }")
        # when the metrics are asked for with no token, a wrong one, and the right one
        anonymous = await api.http.get("/metrics")
        wrong = await api.http.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN[:-1]}x"}
        )
        right = await api.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    # then only the right token reads them
    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert "backline_requests" not in anonymous.text + wrong.text
    assert right.status_code == 200 and "backline_requests_total" in right.text


async def test_in_development_metrics_stay_open(api):
    response = await api.http.get("/metrics")
    assert response.status_code == 200 and "backline_outbox_mails" in response.text


async def test_operation_labels_are_capped_in_number_and_length(settings):
    # given room for three operation labels
    capped = Settings(
        **settings.model_dump(exclude={"metrics_max_operations"}), metrics_max_operations=3
    )
    async for api in client_for(capped):
        # when clients send ten operation names, one of them 1,000 characters long
        names = ["Long" + "x" * 996, *(f"Op{number}" for number in range(9))]
        for name in names:
            await api.data(f"query {name} {{ categories }}")
        text = (await api.http.get("/metrics")).text
    # then the first three keep a label (cut to 60 characters) and the rest count as other
    assert operation_labels(text) == {"Long" + "x" * 56, "Op0", "Op1", "other"}
    assert 'backline_requests_total{operation="other",outcome="ok"} 7.0' in text


async def test_paths_are_labelled_by_route_so_no_token_becomes_a_label(api, settings):
    # given an unsubscribe link and a few paths no route serves
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    token = make_token(
        LinkSigner(settings.secret_key.get_secret_value()),
        ada.account.id,
        Purpose.PROMOTIONAL_EMAILS,
    )
    # when they are requested
    await api.http.get(f"/unsubscribe/{token}")
    for number in range(5):
        await api.http.get(f"/scan-{number}")
    text = (await api.http.get("/metrics")).text
    # then the labels name the route, and every unknown path shares one label
    assert token not in text
    assert operation_labels(text) == {"/unsubscribe/{token}", "(unmatched)"}
    assert 'backline_requests_total{operation="(unmatched)",outcome="client_error"} 5.0' in text
