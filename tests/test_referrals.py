"""Email a friend: one fixed mail; the friend's name and address are not kept."""

from __future__ import annotations

import glob

from mailers.worker import Worker
from models.outbox import MailState, OutboundEmail
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
CANCEL = "mutation { cancelAccount { __typename } }"


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


def database_files(settings) -> bytes:
    """The SQLite database as it is on disk, its WAL included (nothing on PostgreSQL)."""
    if POSTGRES_URL:
        return b""
    database = settings.database_url.removeprefix("sqlite://")
    contents = b""
    for path in glob.glob(f"{database}*"):
        with open(path, "rb") as handle:  # noqa: ASYNC230
            contents += handle.read()
    return contents.lower()


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
    assert b"zelda.friendly" not in database_files(settings)


async def test_the_friends_details_are_erased_when_delivery_finally_fails(
    api, mail_settings, inbox, settings
):
    # given a referral the friend's server refuses, quoting the address as servers do
    ada = await factories.customer()
    await api.data(REFER, {"input": FRIEND}, token=ada.token)
    inbox.rcpt_replies.append("550 5.1.1 <{address}>: Recipient address rejected")
    # when
    tally = await Worker(mail_settings).drain()
    # then the reason is kept for staff, without the address
    assert tally.failed == 1
    row = await OutboundEmail.get()
    assert row.last_error == "550 5.1.1 <[email]>: Recipient address rejected"
    # and no table, nor the database file on disk, holds the friend's details
    assert "zelda" not in await every_stored_value()
    assert b"zelda" not in database_files(settings)


async def test_a_referral_whose_sender_cancelled_is_not_sent_and_the_friend_is_erased(
    api, mail_settings, inbox
):
    # given a referral queued in Ada's name
    ada = await factories.customer(name="Ada")
    await api.data(REFER, {"input": FRIEND}, token=ada.token)
    # when Ada cancels her account before the worker runs
    assert (await api.data(CANCEL, token=ada.token))["cancelAccount"]["__typename"] == (
        "AccountCancelled"
    )
    tally = await Worker(mail_settings).drain()
    # then the friend gets nothing in her name, and the friend's details are gone
    assert (tally.dropped, inbox.rcpt_tried) == (1, [])
    row = await OutboundEmail.get()
    assert row.state == MailState.DROPPED
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
