"""Email a friend: one fixed mail; the friend's name and address are not kept."""

from __future__ import annotations

import glob

from mailers.worker import Worker
from models.outbox import OutboundEmail
from tests import factories
from tests.conftest import POSTGRES_URL

REFER = """
mutation Refer($input: ReferralInput!) {
  sendReferral(input: $input) {
    __typename
    ... on ReferralSent { message }
    ... on ValidationError { field }
    ... on RateLimited { retryAfterSeconds }
  }
}
"""
FRIEND = {"friendName": "Zelda Friendly", "friendEmail": "zelda.friendly@example.org"}


async def every_stored_value() -> str:
    """Every value of every row of every table, as text."""
    from tortoise import connections

    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        _, tables = await connection.execute_query(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
    else:
        _, tables = await connection.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    dump = []
    for table in tables:
        query = f'SELECT * FROM "{table["name"]}"'  # noqa: S608 (names from the catalog)
        _, rows = await connection.execute_query(query)
        dump += [str(dict(row)) for row in rows]
    return "\n".join(dump).lower()


async def test_the_friends_details_are_gone_once_the_mail_is_delivered(
    api, mail_settings, inbox, settings
):
    # given
    ada = await factories.customer(name="Ada")
    result = (await api.data(REFER, {"input": FRIEND}, token=ada.token))["sendReferral"]
    assert result["__typename"] == "ReferralSent"
    # when
    tally = await Worker(mail_settings).drain()
    # then the friend got one mail from Ada
    assert tally.sent == 1
    [mail] = inbox.to("zelda.friendly@example.org")
    assert "Ada" in mail["Subject"]
    # and no table holds the friend's name or address any more
    stored = await every_stored_value()
    assert "zelda" not in stored and "friendly" not in stored
    # nor does the database file on disk
    if not POSTGRES_URL:
        database = settings.database_url.removeprefix("sqlite://")
        for path in glob.glob(f"{database}*"):
            with open(path, "rb") as handle:  # noqa: ASYNC230
                assert b"zelda.friendly" not in handle.read().lower(), path


async def test_the_friends_details_are_erased_when_delivery_finally_fails(
    api, mail_settings, inbox
):
    ada = await factories.customer()
    await api.data(REFER, {"input": FRIEND}, token=ada.token)
    inbox.rcpt_replies.append("550 5.1.1 No such user")
    tally = await Worker(mail_settings).drain()
    assert tally.failed == 1
    assert "zelda" not in await every_stored_value()


async def test_referrals_are_limited_per_day(api, settings):
    ada = await factories.customer()
    for number in range(settings.referrals_per_day):
        friend = {"friendName": "F", "friendEmail": f"friend{number}@example.org"}
        result = (await api.data(REFER, {"input": friend}, token=ada.token))["sendReferral"]
        assert result["__typename"] == "ReferralSent"
    over = (await api.data(REFER, {"input": FRIEND}, token=ada.token))["sendReferral"]
    assert over["__typename"] == "RateLimited"
    assert 0 < over["retryAfterSeconds"] <= 86400
    assert await OutboundEmail.all().count() == settings.referrals_per_day


async def test_only_signed_in_people_refer_and_bad_addresses_are_refused(api, settings):
    anonymous = (await api.data(REFER, {"input": FRIEND}))["sendReferral"]
    assert anonymous["__typename"] == "NotAuthorized"
    ada = await factories.customer(email="ada@example.com")
    for friend, field in (
        ({"friendName": "Z", "friendEmail": "not an address"}, "friendEmail"),
        ({"friendName": "", "friendEmail": "z@example.org"}, "friendName"),
        ({"friendName": "Me", "friendEmail": "ADA@example.com"}, "friendEmail"),
    ):
        result = (await api.data(REFER, {"input": friend}, token=ada.token))["sendReferral"]
        assert result == {"__typename": "ValidationError", "field": field}
    assert not await OutboundEmail.exists()
