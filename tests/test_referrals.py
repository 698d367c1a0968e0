"""Email a friend: one fixed mail, once per friend whoever asks; the friend's name and
address are not kept, only keyed digests of the address for REFERRAL_MEMORY_DAYS."""

from __future__ import annotations

import asyncio
import glob
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from mailers.worker import Worker
from models.accounts import Account
from models.outbox import MailState, OutboundEmail
from models.referrals import ReferralMemory
from privacy import referrals as referral_rules
from services import referrals as referral_service
from services import retention
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
    # nor a plain hash of the address, which anyone could compute from a guess: what is
    # remembered to stop a second invitation is keyed with SECRET_KEY
    assert await ReferralMemory.exists()
    for written in ("zelda.friendly@example.org", "Zelda Friendly"):
        for algorithm in ("md5", "sha1", "sha256", "sha512"):
            assert hashlib.new(algorithm, written.encode()).hexdigest() not in stored
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
    # and the refused one is not remembered: it may be asked for again tomorrow
    assert await ReferralMemory.all().count() == settings.referrals_per_day


async def test_only_signed_in_people_refer_and_bad_addresses_are_refused(api, settings):
    anonymous = (await api.data(REFER, {"input": FRIEND}))["sendReferral"]
    assert anonymous["__typename"] == "NotAuthorized"
    ada = await factories.customer(email="ada@example.com")
    for friend, field in (
        ({"friendName": "Z", "friendEmail": "not an address"}, "friendEmail"),
        ({"friendName": "", "friendEmail": "z@example.org"}, "friendName"),
        ({"friendName": "Me", "friendEmail": "ADA@example.com"}, "friendEmail"),
        ({"friendName": "Me", "friendEmail": "ada+again@example.com"}, "friendEmail"),
    ):
        result = (await api.data(REFER, {"input": friend}, token=ada.token))["sendReferral"]
        assert result == {"__typename": "ValidationError", "field": field}
    assert not await OutboundEmail.exists()
    assert not await ReferralMemory.exists()


def refer(api, person, email: str, name: str = "Zelda Friendly"):
    return api.data(
        REFER, {"input": {"friendName": name, "friendEmail": email}}, token=person.token
    )


async def test_the_same_sender_cannot_invite_a_friend_twice(api):
    # given Ada invited Zelda
    ada = await factories.customer(name="Ada")
    first = (await refer(api, ada, "zelda.friendly@example.org"))["sendReferral"]
    assert first["__typename"] == "ReferralSent"
    # when she asks again, however the address is written
    for again in (
        "zelda.friendly@example.org",
        "Zelda.Friendly@EXAMPLE.org",
        "zelda.friendly+again@example.org",
        "ZELDA.FRIENDLY+x@Example.Org",
    ):
        result = (await refer(api, ada, again, name="Someone else"))["sendReferral"]
        # then she is told, on the field, and nothing more is queued or remembered
        assert result == {"__typename": "ValidationError", "field": "friendEmail"}, again
    assert await OutboundEmail.all().count() == 1
    assert await ReferralMemory.all().count() == 1
    # while another friend at the same provider is still welcome
    other = (await refer(api, ada, "zelda.other@example.org"))["sendReferral"]
    assert other["__typename"] == "ReferralSent"


async def test_a_second_sender_gets_the_answer_of_a_sent_one_but_no_mail_goes(
    api, mail_settings, inbox
):
    # given Ada invited Zelda
    ada = await factories.customer(name="Ada")
    bo = await factories.customer(name="Bo")
    ada_answer = await refer(api, ada, "zelda.friendly@example.org")
    # when Bo invites her too, writing the address another way
    bo_answer = await refer(api, bo, "Zelda.Friendly+bo@example.org")
    # then Bo is answered exactly as Ada was, and cannot tell that someone else did it
    assert bo_answer == ada_answer
    assert ada_answer["sendReferral"]["__typename"] == "ReferralSent"
    # and his own repeat is refused as Ada's would be
    repeat = (await refer(api, bo, "zelda.friendly@example.org"))["sendReferral"]
    assert repeat == {"__typename": "ValidationError", "field": "friendEmail"}
    # and Zelda gets one mail, Ada's
    assert (await Worker(mail_settings).drain()).sent == 1
    [mail] = inbox.messages
    assert "Ada" in mail["Subject"] and "zelda.friendly@example.org" in mail["To"]
    # and their exports look alike: one remembered invitation each, no mail
    exports = [
        (await api.data("{ myDataExport }", token=person.token))["myDataExport"]
        for person in (ada, bo)
    ]
    for document in exports:
        assert [set(row) for row in document["referrals"]] == [{"id", "createdAt"}]
        assert document["mail"] == []


async def test_the_daily_allowance_counts_every_invitation_mailed_or_not(api, settings):
    # given Ada invited every friend Bo is about to invite
    ada = await factories.customer()
    bo = await factories.customer()
    friends = [f"friend{n}@example.org" for n in range(settings.referrals_per_day + 1)]
    for friend in friends[:-1]:
        assert (await refer(api, ada, friend))["sendReferral"]["__typename"] == "ReferralSent"
    # when Bo invites them all: a refused repeat of his own does not count
    answers = []
    for friend in friends:
        answers.append((await refer(api, bo, friend))["sendReferral"]["__typename"])
        if len(answers) == 1:
            again = (await refer(api, bo, friend))["sendReferral"]["__typename"]
            assert again == "ValidationError"
    # then his allowance ran out as if each had been mailed, and nothing of his went out
    assert answers == ["ReferralSent"] * settings.referrals_per_day + ["RateLimited"]
    assert await OutboundEmail.filter(sender_id=bo.account.id).count() == 0
    # and the one refused for the allowance was neither queued nor remembered
    assert await ReferralMemory.filter(sender_id=bo.account.id).count() == (
        settings.referrals_per_day
    )
    assert await OutboundEmail.all().count() == settings.referrals_per_day


async def aged(days: float) -> None:
    """Every remembered invitation as if written `days` ago."""
    await ReferralMemory.all().update(created_at=datetime.now(UTC) - timedelta(days=days))


async def test_purge_forgets_invitations_older_than_the_memory(api, settings):
    # given an invitation past REFERRAL_MEMORY_DAYS and one just inside it
    ada = await factories.customer()
    await refer(api, ada, "zelda.friendly@example.org")
    await aged(settings.referral_memory_days + 1)
    await refer(api, ada, "yann@example.org")
    await ReferralMemory.filter(created_at__gte=datetime.now(UTC) - timedelta(days=1)).update(
        created_at=datetime.now(UTC) - timedelta(days=settings.referral_memory_days - 1)
    )
    # when
    report = await retention.purge(
        retention_days=settings.retention_days,
        log_retention_days=settings.log_retention_days,
        referral_memory_days=settings.referral_memory_days,
    )
    # then only the old one is gone, and purging again changes nothing
    assert report.referral_memories_deleted == 1
    assert await ReferralMemory.all().count() == 1
    again = await retention.purge(
        retention_days=settings.retention_days,
        log_retention_days=settings.log_retention_days,
        referral_memory_days=settings.referral_memory_days,
    )
    assert again.referral_memories_deleted == 0


async def test_a_friend_may_be_invited_again_once_the_memory_has_passed(api, settings):
    # given Ada and Bo invited Zelda longer ago than REFERRAL_MEMORY_DAYS, unpurged
    ada = await factories.customer()
    bo = await factories.customer()
    await refer(api, ada, "zelda.friendly@example.org")
    await refer(api, bo, "zelda.friendly@example.org")
    await aged(settings.referral_memory_days + 1)
    # when each asks again, then each may: expired memory refuses nothing
    for person in (ada, bo):
        result = (await refer(api, person, "zelda.friendly@example.org"))["sendReferral"]
        assert result["__typename"] == "ReferralSent"
    # and Zelda gets a second mail, Ada's new one, and not Bo's, which follows it
    assert await OutboundEmail.filter(sender_id=ada.account.id).count() == 2
    assert await OutboundEmail.filter(sender_id=bo.account.id).count() == 0
    assert await ReferralMemory.all().count() == 2


async def test_the_memory_goes_with_the_senders_account(api, settings):
    # given Ada invited Zelda, then cancelled long ago
    ada = await factories.customer()
    bo = await factories.customer()
    await refer(api, ada, "zelda.friendly@example.org")
    await refer(api, bo, "yann@example.org")
    assert (await api.data(CANCEL, token=ada.token))["cancelAccount"]["__typename"] == (
        "AccountCancelled"
    )
    await cancelled_ago(ada, settings.retention_days + 1)
    # when her account is erased
    report = await retention.purge(
        retention_days=settings.retention_days, log_retention_days=settings.log_retention_days
    )
    # then what she asked for is forgotten with it, and nobody else's
    assert report.erased == 1
    assert await ReferralMemory.filter(sender_id=ada.account.id).count() == 0
    assert await ReferralMemory.all().count() == 1


async def cancelled_ago(person, days: float) -> None:
    await Account.filter(id=person.account.id).update(
        cancelled_at=datetime.now(UTC) - timedelta(days=days)
    )


@pytest.fixture
def decided_slowly(monkeypatch):
    """Requests at once reach the database at different moments, one often done before
    the next begins; a pause after each decision and count makes them overlap there."""
    decide, count = referral_rules.decide, referral_service.invitation_times_since

    async def slow_decide(*args, **kwargs):
        invitation = await decide(*args, **kwargs)
        await asyncio.sleep(0.05)
        return invitation

    async def slow_count(*args, **kwargs):
        times = await count(*args, **kwargs)
        await asyncio.sleep(0.05)
        return times

    monkeypatch.setattr(referral_rules, "decide", slow_decide)
    monkeypatch.setattr(referral_service, "invitation_times_since", slow_count)


@pytest.mark.parametrize("senders", [1, 2], ids=["one sender twice", "two senders"])
async def test_identical_requests_at_once_send_one_mail(api, senders, decided_slowly):
    # given one sender asking twice at the same moment, or two senders
    people = [await factories.customer() for _ in range(senders)]
    asking = [people[0], people[-1]]
    # when both requests run at once
    results = await asyncio.gather(
        *(refer(api, person, "zelda.friendly@example.org") for person in asking)
    )
    kinds = sorted(result["sendReferral"]["__typename"] for result in results)
    # then one mail is queued; the sender asking twice is told of the repeat, and two
    # senders are both answered as sent
    expected = ["ReferralSent", "ValidationError"] if senders == 1 else ["ReferralSent"] * 2
    assert kinds == expected
    assert await OutboundEmail.all().count() == 1
    assert await ReferralMemory.all().count() == senders


async def test_invitations_at_once_cannot_pass_the_daily_allowance(api, settings, decided_slowly):
    # given a sender with one invitation left today
    ada = await factories.customer()
    for number in range(settings.referrals_per_day - 1):
        await refer(api, ada, f"friend{number}@example.org")
    # when four more are asked for at once
    results = await asyncio.gather(*(refer(api, ada, f"new{n}@example.org") for n in range(4)))
    # then one takes the last place, and the others are limited
    kinds = sorted(result["sendReferral"]["__typename"] for result in results)
    assert kinds == ["RateLimited"] * 3 + ["ReferralSent"]
    assert await OutboundEmail.all().count() == settings.referrals_per_day


def test_one_mailbox_is_one_friend_whatever_its_sub_address():
    # a +tag (RFC 5233) is dropped from the first +, and only from the local part
    assert referral_rules.normalised("friend+one+two@example.com") == "friend@example.com"
    assert referral_rules.normalised("friend@example.com") == "friend@example.com"
    # a local part that is nothing but a tag is kept as written: it has no other name
    assert referral_rules.normalised("+only@example.com") == "+only@example.com"


async def test_a_new_sender_mails_a_friend_whose_last_invitation_has_expired(api, settings):
    # given Ada invited Zelda longer ago than REFERRAL_MEMORY_DAYS, unpurged
    ada, cy = await factories.customer(), await factories.customer()
    await refer(api, ada, "zelda.friendly@example.org")
    await aged(settings.referral_memory_days + 1)
    # when Cy, who never invited her, does: Ada's expired row must not hold the mail back
    result = (await refer(api, cy, "zelda.friendly@example.org"))["sendReferral"]
    assert result["__typename"] == "ReferralSent"
    assert await OutboundEmail.filter(sender_id=cy.account.id).count() == 1


def test_the_two_digests_are_keyed_apart_and_stable_across_deploys(settings):
    # the stored digests must match tomorrow's: the keys are derived from SECRET_KEY and
    # a fixed label per purpose, so a renamed label would forget every invitation
    secret = settings.secret_key.get_secret_value().encode()

    def expected(label: str, message: str) -> str:
        key = hashlib.sha256(f"backline.referral-memory.{label}:".encode() + secret).digest()
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

    address = "zelda+x@example.org"
    assert referral_rules.sender_digest(settings.secret_key, 7, address) == expected(
        "sender", "7\x00zelda@example.org"
    )
    assert referral_rules.friend_digest(settings.secret_key, address) == expected(
        "friend", "zelda@example.org"
    )
