"""Every share that ends, whichever way, appears once in its recipient's withdrawals feed
(`sharedContactWithdrawals`): the share's id and when it ended, nothing else, written in
the transaction that ended it, so that a partner deletes what it copied."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta

import pytest

from models import sync
from models.accounts import Account, AccountStatus
from models.purposes import Purpose
from models.sharing import BookingInquiry, ContactGrant, ShareEnded, SyncClock
from services import retention
from tests import factories

SHARING = (Purpose.CONTACT_SHARING,)
FEED = """
query Feed($first: Int!, $after: String) {
  sharedContactWithdrawals(first: $first, after: $after) {
    edges { cursor node { shareId endedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
REVOKE = "mutation R($id: ID!) { revokeContactShare(id: $id) { __typename } }"
WITHDRAW = "mutation { updatePrivacyPreferences(input: {contactSharing: false}) { __typename } }"
CANCEL = "mutation { cancelAccount { __typename } }"


async def feed(api, token, first=50, after=None) -> dict:
    return (await api.data(FEED, {"first": first, "after": after}, token=token))[
        "sharedContactWithdrawals"
    ]


async def ended_share_ids(api, token) -> list[str]:
    return [edge["node"]["shareId"] for edge in (await feed(api, token))["edges"]]


async def booked_pair():
    """A band (with a partner key) and a customer who shared both ways after one inquiry."""
    band = await factories.performer(name="The Band", granted=SHARING)
    ada = await factories.customer(name="Ada", granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    shared = await ContactGrant.get(owner_id=ada.account.id)
    return band, ada, key, str(shared.id)


async def test_a_share_its_owner_revokes_is_in_the_feed_with_its_id_and_time_only(api):
    # given
    band, ada, key, share = await booked_pair()
    assert await ended_share_ids(api, key) == []
    # when Ada revokes the share of her details with the band
    await api.data(REVOKE, {"id": share}, token=ada.token)
    # then the band's feed names that share and when it ended, and nothing else
    [edge] = (await feed(api, key))["edges"]
    assert set(edge["node"]) == {"shareId", "endedAt"}
    revoked = await ContactGrant.get(id=int(share))
    assert edge["node"] == {"shareId": share, "endedAt": revoked.revoked_at.isoformat()}
    # and revoking again adds nothing
    await api.data(REVOKE, {"id": share}, token=ada.token)
    assert await ended_share_ids(api, key) == [share]


async def test_withdrawing_consent_ends_every_share_of_the_owners_details(api):
    band, ada, key, share = await booked_pair()
    other = await factories.performer(granted=SHARING)
    await factories.inquiry(ada, await factories.listing(other))
    other_key = await factories.api_key(other, factories.ApiScope.CONTACTS_READ)
    await api.data(WITHDRAW, token=ada.token)
    assert await ended_share_ids(api, key) == [share]
    [to_other] = await ContactGrant.filter(owner_id=ada.account.id, recipient_id=other.account.id)
    assert await ended_share_ids(api, other_key) == [str(to_other.id)]
    # the shares that Ada received did not end
    assert await ended_share_ids(api, ada.token) == []


async def test_cancelling_ends_the_shares_both_ways_once(api):
    band, ada, key, share = await booked_pair()
    await api.data(REVOKE, {"id": share}, token=ada.token)
    await api.data(CANCEL, token=ada.token)
    # the share already revoked is not ended twice
    assert await ended_share_ids(api, key) == [share]
    # and when the band cancels, the share of its details with Ada ends too
    await api.data(CANCEL, token=band.token)
    band_share = await ContactGrant.get(owner_id=band.account.id)
    assert await ShareEnded.filter(grant_id=band_share.id).count() == 1


async def test_erasing_an_owner_whose_share_was_still_live_ends_it(api, settings):
    # given an account closed by a path that left its share live (written without the
    # services, as a forgotten path would)
    band, ada, key, share = await booked_pair()
    await Account.filter(id=ada.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    # when the purge erases it (the grant goes by ON DELETE CASCADE)
    report = await retention.purge(retention_days=30, log_retention_days=90)
    assert report.erased == 1
    # then the band is told the share ended
    assert await ended_share_ids(api, key) == [share]


async def test_a_grant_deleted_with_its_inquiry_ends_the_share(api):
    band, ada, key, share = await booked_pair()
    await BookingInquiry.filter(customer_id=ada.account.id).delete()
    assert await ended_share_ids(api, key) == [share]


async def test_erasing_the_recipient_takes_its_feed_with_it(api):
    # given the band's feed holds an ended share, and the band's own share is live
    band, ada, key, share = await booked_pair()
    await api.data(REVOKE, {"id": share}, token=ada.token)
    assert await ShareEnded.filter(recipient_id=band.account.id).count() == 1
    # when the band's account is erased while its grants are live
    await Account.filter(id=band.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    await retention.purge(retention_days=30, log_retention_days=90)
    # then nothing of the band's feed is left, and Ada is told her copy of the band ended
    assert await ShareEnded.filter(recipient_id=band.account.id).count() == 0
    band_share = await ShareEnded.get(recipient_id=ada.account.id)
    assert await ended_share_ids(api, ada.token) == [str(band_share.grant_id)]


async def test_the_feed_pages_oldest_first_and_resumes_from_a_kept_cursor(api):
    # given five shares with the band that end one after another
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    people = []
    for number in range(5):
        person = await factories.customer(name=f"P{number}", granted=SHARING)
        await factories.inquiry(person, listing)
        people.append(person)
    for person in people[:3]:
        await api.data(WITHDRAW, token=person.token)
    # when read two at a time
    first = await feed(api, key, first=2)
    second = await feed(api, key, first=2, after=first["pageInfo"]["endCursor"])
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]
    kept = second["pageInfo"]["endCursor"]
    # and two more end later
    for person in people[3:]:
        await api.data(WITHDRAW, token=person.token)
    later = await feed(api, key, after=kept)
    # then each ending is read once, in the order they happened
    grants = [await ContactGrant.get(owner_id=p.account.id) for p in people]
    read = [e["node"]["shareId"] for page in (first, second, later) for e in page["edges"]]
    assert read == [str(grant.id) for grant in grants]


async def test_nobody_else_reads_the_feed(api):
    band, ada, key, share = await booked_pair()
    await api.data(REVOKE, {"id": share}, token=ada.token)
    cursor = (await feed(api, key))["pageInfo"]["endCursor"]
    mallory = await factories.performer(granted=SHARING)
    mallory_key = await factories.api_key(mallory, factories.ApiScope.CONTACTS_READ)
    # another person's key, or nobody, reads nothing
    assert await ended_share_ids(api, mallory_key) == []
    assert await ended_share_ids(api, None) == []
    # and cannot resume from the band's cursor
    for token in (mallory_key, None):
        errors = await api.errors(FEED, {"first": 5, "after": cursor}, token=token)
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    # a key without CONTACTS_READ is refused
    listings_key = await factories.api_key(band, factories.ApiScope.LISTINGS_READ)
    errors = await api.errors(FEED, {"first": 5}, token=listings_key)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    # the band's own session reads it like its key
    assert await ended_share_ids(api, band.token) == [share]


@pytest.mark.parametrize("cursor", ["garbage", "Y29udGFjdDox", "d2l0aGRyYXdhbDox"])
async def test_a_cursor_that_is_not_one_of_ours_is_a_bad_user_input(api, cursor):
    _band, _ada, key, _share = await booked_pair()
    errors = await api.errors(FEED, {"first": 5, "after": cursor}, token=key)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_ended_share_is_written_in_the_transaction_that_ended_it(api):
    # given a revocation that fails after revoking (rolled back)
    band, ada, key, share = await booked_pair()
    from tortoise.transactions import in_transaction

    with pytest.raises(RuntimeError):
        async with in_transaction():
            await ContactGrant.filter(id=int(share)).update(revoked_at=datetime.now(UTC))
            raise RuntimeError("the cause failed")
    # then neither the revocation nor its feed entry stands
    assert (await ContactGrant.get(id=int(share))).revoked_at is None
    assert await ended_share_ids(api, key) == []


def decodings(cursor: str) -> list[bytes]:
    """The cursor as it is, and as whatever base64 makes of it."""
    forms = [cursor.encode()]
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            forms.append(decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, ValueError):
            pass
    return forms


async def test_a_cursor_names_neither_the_account_nor_the_position(api):
    # given a band whose feed holds an ending at a position easy to spot
    band, ada, key, share = await booked_pair()
    await SyncClock.filter(id=1).update(value=987_654_321)
    await api.data(REVOKE, {"id": share}, token=ada.token)
    [ended] = await ShareEnded.filter(recipient_id=band.account.id)
    assert ended.seq > 987_654_321
    # when the band reads it, twice
    cursors = [(await feed(api, key))["pageInfo"]["endCursor"] for _ in range(2)]
    # then neither cursor says, in any form, whose it is or where it stands
    for cursor in cursors:
        for form in decodings(cursor):
            assert str(ended.seq).encode() not in form
            assert f":{band.account.id}:".encode() not in form
            assert b"withdrawal" not in form
    # it is encrypted afresh each time, so two cursors of one place do not even match
    assert cursors[0] != cursors[1]
    # and each still resumes where it stood
    for cursor in cursors:
        assert (await feed(api, key, after=cursor))["edges"] == []


async def three_endings(api):
    """A band with a key, and three shares with it that ended one after another."""
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    key = await factories.api_key(band, factories.ApiScope.CONTACTS_READ)
    for number in range(3):
        person = await factories.customer(name=f"P{number}", granted=SHARING)
        await factories.inquiry(person, listing)
        await api.data(WITHDRAW, token=person.token)
    return band, listing, key


async def purge_long_after():
    """The purge, run with the shortest retention a week and a day from now: every
    ending there is now is older than it keeps."""
    report = await retention.purge(
        retention_days=30,
        log_retention_days=90,
        withdrawal_retention_days=7,
        now=datetime.now(UTC) + timedelta(days=8),
    )
    return report.withdrawals_deleted


async def test_a_cursor_with_unread_endings_purged_after_it_is_refused_resync_needed(api):
    # given a partner that read the first of three endings and kept its cursor
    band, _listing, key = await three_endings(api)
    kept = (await feed(api, key, first=1))["pageInfo"]["endCursor"]
    # when the purge takes the endings it had not read
    assert await purge_long_after() == 3
    # then its cursor is refused: going on from it would skip them in silence
    errors = await api.errors(FEED, {"first": 5, "after": kept}, token=key)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"].startswith("Resync needed: endings after this cursor")
    # and a resync reads the feed from its start, with a cursor that works
    again = await feed(api, key)
    assert again["edges"] == [] and again["pageInfo"]["endCursor"]
    assert (await feed(api, key, after=again["pageInfo"]["endCursor"]))["edges"] == []


async def test_a_cursor_past_every_purged_ending_goes_on_working(api):
    # given a partner that read all three endings
    band, listing, key = await three_endings(api)
    kept = (await feed(api, key))["pageInfo"]["endCursor"]
    # when the purge takes them all
    assert await purge_long_after() == 3
    # then its cursor is fine: it skipped nothing; the next ending comes after it
    late = await factories.customer(granted=SHARING)
    await factories.inquiry(late, listing)
    await api.data(WITHDRAW, token=late.token)
    grant = await ContactGrant.get(owner_id=late.account.id)
    page = await feed(api, key, after=kept)
    assert [edge["node"]["shareId"] for edge in page["edges"]] == [str(grant.id)]


async def test_a_cursor_older_than_the_feed_keeps_endings_is_refused(api, settings):
    band, _ada, key, _share = await booked_pair()
    days = settings.withdrawal_retention_days

    def handed_out(ago: timedelta) -> str:
        issued = int((datetime.now(UTC) - ago).timestamp())
        place = sync.Position(seq=0, issued=issued)
        return sync.encode_position(sync.WITHDRAWAL_KIND, band.account.id, None, place)

    # a cursor handed out longer ago than WITHDRAWAL_RETENTION_DAYS: endings after it
    # may be gone
    too_old = handed_out(timedelta(days=days))
    errors = await api.errors(FEED, {"first": 5, "after": too_old}, token=key)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"].startswith("Resync needed: this cursor is older than that")
    assert f"{days} days" in errors[0]["message"]
    # one from a day within it works
    assert (await feed(api, key, after=handed_out(timedelta(days=days - 1))))["edges"] == []


async def test_a_reader_at_the_end_of_the_feed_is_handed_a_fresh_cursor(api):
    # given a partner that read the one ending there is
    band, ada, key, share = await booked_pair()
    await api.data(REVOKE, {"id": share}, token=ada.token)
    kept = (await feed(api, key))["pageInfo"]["endCursor"]
    # when nothing more ended, its page is empty and still hands out a cursor to keep
    # (so that a quiet feed never leaves it holding one that grows old)
    quiet = await feed(api, key, after=kept)
    fresh = quiet["pageInfo"]["endCursor"]
    assert quiet["edges"] == [] and fresh not in (None, kept)
    # which stands at now: a later ending comes after it, nothing earlier
    bo = await factories.customer(granted=SHARING)
    await factories.inquiry(bo, await factories.listing(band))
    await api.data(WITHDRAW, token=bo.token)
    grant = await ContactGrant.get(owner_id=bo.account.id)
    later = await feed(api, key, after=fresh)
    assert [edge["node"]["shareId"] for edge in later["edges"]] == [str(grant.id)]
