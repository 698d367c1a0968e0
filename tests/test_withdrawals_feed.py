"""Every share that ends, whichever way, appears once in its recipient's withdrawals feed
(`sharedContactWithdrawals`): the share's id and when it ended, nothing else, written in
the transaction that ended it, so that a partner deletes what it copied."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.accounts import Account, AccountStatus
from models.purposes import Purpose
from models.sharing import BookingInquiry, ContactGrant, ShareEnded
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
