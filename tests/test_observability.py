"""Health, readiness, metrics, request ids, and logs without personal data."""

from __future__ import annotations

import json
import logging

from models.outbox import MailKind, MailState, OutboundEmail
from tests import factories
from web.logs import RedactAndTag, configure, operation, request_id


async def test_health_and_readiness(api):
    assert (await api.http.get("/healthz")).text == "ok"
    ready = await api.http.get("/readyz")
    assert (ready.status_code, ready.text) == (200, "ready")


async def test_metrics_count_requests_by_operation_and_outcome_and_show_the_outbox(api):
    from datetime import UTC, datetime

    ada = await factories.customer()
    await OutboundEmail.create(
        kind=MailKind.WELCOME,
        recipient_id=ada.account.id,
        next_attempt_at=datetime.now(UTC),
        state=MailState.FAILED,
    )
    await api.data("query Categories { categories }")
    await api.request("query Broken { nope }")
    text = (await api.http.get("/metrics")).text
    assert 'backline_requests_total{operation="Categories",outcome="ok"} 1.0' in text
    assert 'backline_request_seconds_count{operation="Categories"} 1.0' in text
    assert 'backline_outbox_mails{state="FAILED"} 1.0' in text
    assert 'backline_outbox_mails{state="QUEUED"} 0.0' in text


async def test_every_response_has_a_request_id_and_a_sane_one_is_kept(api):
    fresh = await api.http.get("/healthz")
    assert len(fresh.headers["x-request-id"]) == 32
    given = await api.http.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})
    assert given.headers["x-request-id"] == "proxy-1234abcd"
    odd = await api.http.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["x-request-id"] != "<script>"


def test_log_lines_are_json_with_the_request_id_and_no_personal_data(capsys):
    configure("json")
    token = request_id.set("req-0001")
    operation.set("SignIn")
    try:
        logging.getLogger("backline.test").warning(
            "could not mail %s (%s) with token %s",
            "ada@example.com",
            "+1 512 555 0100",
            "bls_abcdefghijklmnopqrstuvwxyz",
        )
        try:
            raise ValueError("Bearer bls_secretsecretsecret for zoe@example.org")
        except ValueError:
            logging.getLogger("backline.test").exception("failed")
    finally:
        request_id.reset(token)
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert lines[0]["request_id"] == "req-0001" and lines[0]["level"] == "WARNING"
    assert lines[0]["operation"] == "SignIn"
    text = json.dumps(lines)
    for secret in ("ada@example.com", "512 555", "bls_abc", "zoe@example.org", "secretsecret"):
        assert secret not in text
    assert "[email]" in lines[0]["message"] and "[token]" in lines[0]["message"]


def test_the_redaction_filter_applies_to_any_logger():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent to %s", ("a@b.co",), None)
    RedactAndTag().filter(record)
    assert record.getMessage() == "sent to [email]"
