"""Inquiries people can follow: a customer lists what they sent (and whether their
details were shared), a performer sees who asked, by name only, and not once the
customer closed their account."""

from __future__ import annotations

from datetime import UTC, datetime

from models.accounts import Account, AccountStatus
from models.purposes import Purpose
from tests import factories

SHARING = (Purpose.CONTACT_SHARING,)
SENT = """
query Sent($first: Int!, $after: String) {
  sentInquiries(first: $first, after: $after) {
    edges { cursor node { id eventType detailsShared askedBy { name } listing { title } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
RECEIVED = """
{ receivedInquiries { edges { node { eventType message detailsShared askedBy { name } } } } }
"""
WITHDRAW = "mutation { updatePrivacyPreferences(input: {contactSharing: false}) { __typename } }"
TYPE_FIELDS = "query Fields($name: String!) { __type(name: $name) { fields { name } } }"


async def sent(api, token, first=20, after=None) -> dict:
    return (await api.data(SENT, {"first": first, "after": after}, token=token))["sentInquiries"]


def nodes(connection: dict) -> list[dict]:
    return [edge["node"] for edge in connection["edges"]]


async def two_inquiries_by_ada():
    """Ada asks a band that shares, then a magician; she shares with both."""
    band = await factories.performer(name="The Band", granted=SHARING)
    magician = await factories.performer(name="Mo the Magician", granted=SHARING)
    ada = await factories.customer(name="Ada", granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band, title="Wedding band"))
    await factories.inquiry(
        ada, await factories.listing(magician, title="Close-up magic"), event_type="Birthday"
    )
    return band, magician, ada


async def test_a_customer_sees_what_they_sent_newest_first_and_whether_details_were_shared(api):
    # given two inquiries, the first of whose shares of Ada's details she then revoked
    band, _magician, ada = await two_inquiries_by_ada()
    shares = (await api.data("{ me { contactShares { id recipientName } } }", token=ada.token))[
        "me"
    ]["contactShares"]
    to_band = next(share["id"] for share in shares if share["recipientName"] == "The Band")
    revoke = "mutation R($id: ID!) { revokeContactShare(id: $id) { __typename } }"
    await api.data(revoke, {"id": to_band}, token=ada.token)
    # when
    seen = nodes(await sent(api, ada.token))
    # then
    assert [(n["listing"]["title"], n["eventType"], n["detailsShared"]) for n in seen] == [
        ("Close-up magic", "Birthday", True),
        ("Wedding band", "Wedding", False),
    ]
    assert {n["askedBy"]["name"] for n in seen} == {"Ada"}


async def test_withdrawing_contact_sharing_shows_no_details_shared(api):
    # given
    _band, _magician, ada = await two_inquiries_by_ada()
    assert [n["detailsShared"] for n in nodes(await sent(api, ada.token))] == [True, True]
    # when
    await api.data(WITHDRAW, token=ada.token)
    # then
    assert [n["detailsShared"] for n in nodes(await sent(api, ada.token))] == [False, False]


async def test_details_shared_needs_the_consent_in_the_query_itself(api):
    # given a grant left unrevoked while consent is off (as if written by another path)
    _band, _magician, ada = await two_inquiries_by_ada()
    from models.accounts import PrivacyPreferences

    await PrivacyPreferences.filter(account_id=ada.account.id).update(contact_sharing=False)
    # then
    assert [n["detailsShared"] for n in nodes(await sent(api, ada.token))] == [False, False]


async def test_nobody_else_sees_someones_sent_inquiries(api):
    # given
    band, _magician, _ada = await two_inquiries_by_ada()
    mallory = await factories.customer(granted=SHARING)
    # then another customer, the performer asked, and an anonymous caller see none
    for token in (mallory.token, band.token):
        assert nodes(await sent(api, token)) == []
    anonymous = await sent(api, None)
    assert anonymous == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_an_api_key_needs_listings_read(api):
    _band, _magician, ada = await two_inquiries_by_ada()
    reader = await factories.api_key(ada, factories.ApiScope.LISTINGS_READ)
    assert len(nodes(await sent(api, reader))) == 2
    contacts_only = await factories.api_key(ada, factories.ApiScope.CONTACTS_READ)
    result = await api.request(SENT, {"first": 5}, token=contacts_only)
    assert result["data"] is None or result["data"]["sentInquiries"] is None
    assert "LISTINGS_READ" in result["errors"][0]["message"]


async def test_pages_and_cursors_walk_every_inquiry_in_constant_sql(api, sql_queries):
    # given seven inquiries by Ada, to seven performers, every other one sharing back
    ada = await factories.customer(granted=SHARING)
    for number in range(7):
        band = await factories.performer(granted=SHARING if number % 2 else ())
        await factories.inquiry(ada, await factories.listing(band, title=f"Act {number}"))
    # when read three at a time, and then all at once
    seen, after, statements = [], None, []
    while True:
        sql_queries.reset()
        page = await sent(api, ada.token, first=3, after=after)
        statements.append(sql_queries.count)
        seen += [n["listing"]["title"] for n in nodes(page)]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    sql_queries.reset()
    everything = await sent(api, ada.token, first=7)
    # then
    assert seen == [f"Act {number}" for number in reversed(range(7))]
    assert [n["detailsShared"] for n in nodes(everything)] == [True] * 7
    assert len(set(statements)) == 1
    assert sql_queries.count == statements[0]
    bad = await api.request(SENT, {"first": 3, "after": "not-a-cursor"}, token=ada.token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_performer_sees_who_asked_by_name_and_whether_they_shared(api):
    # given
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer(name="Ada", granted=SHARING)
    await factories.inquiry(ada, listing)
    # when
    received = nodes((await api.data(RECEIVED, token=band.token))["receivedInquiries"])
    # then
    assert [(n["askedBy"], n["detailsShared"]) for n in received] == [({"name": "Ada"}, True)]


async def test_the_performer_no_longer_sees_the_name_of_a_customer_who_cancelled(api):
    # given
    band = await factories.performer(granted=SHARING)
    listing = await factories.listing(band)
    ada = await factories.customer(name="Ada Lovelace", granted=SHARING)
    await factories.inquiry(ada, listing)
    # when her account closes (grants left as they were, to test the name alone)
    await Account.filter(id=ada.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime.now(UTC)
    )
    # then
    response = await api.request(RECEIVED, token=band.token)
    received = nodes(response["data"]["receivedInquiries"])
    assert [(n["askedBy"], n["detailsShared"]) for n in received] == [(None, False)]
    assert "Ada Lovelace" not in str(response)


async def test_no_contact_field_exists_on_the_new_types(api):
    for name, allowed in (
        ("InquiryAuthor", {"name"}),
        (
            "BookingInquiry",
            {
                "id",
                "eventDate",
                "eventType",
                "message",
                "createdAt",
                "askedBy",
                "listing",
                "detailsShared",
            },
        ),
    ):
        fields = (await api.data(TYPE_FIELDS, {"name": name}))["__type"]["fields"]
        assert {field["name"] for field in fields} == allowed
