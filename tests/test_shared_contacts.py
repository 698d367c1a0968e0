"""A grant is in force only while it is not revoked, its owner still consents to
CONTACT_SHARING, and its owner's account is active; every read is audited."""

from __future__ import annotations

from datetime import UTC, datetime

from models.accounts import Account, AccountStatus
from models.audit import AuditEvent
from models.purposes import Purpose
from models.sharing import ContactGrant
from tests import factories

SHARING = (Purpose.CONTACT_SHARING,)
SHARED = """
query Shared($first: Int!, $after: String) {
  sharedContacts(first: $first, after: $after) {
    edges { cursor node { id name email inquiry { id listing { title } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SHARES = "{ me { contactShares { id recipientName reason revokedAt } } }"
REVOKE = """
mutation Revoke($id: ID!) {
  revokeContactShare(id: $id) {
    __typename
    ... on ContactShare { id revokedAt }
    ... on NotFound { message }
    ... on NotAuthorized { message }
  }
}
"""
WITHDRAW = "mutation { updatePrivacyPreferences(input: {contactSharing: %s}) { __typename } }"


async def names_shared_with(api, person, first=50) -> list[str]:
    result = await api.data(SHARED, {"first": first}, token=person.token)
    return [edge["node"]["name"] for edge in result["sharedContacts"]["edges"]]


async def booked_pair():
    """A performer and a customer who both consent, after one inquiry."""
    band = await factories.performer(name="The Band", granted=SHARING)
    listing = await factories.listing(band, title="Wedding band")
    ada = await factories.customer(name="Ada", granted=SHARING)
    await factories.inquiry(ada, listing)
    return band, ada


async def test_withdrawing_contact_sharing_hides_every_grant_at_once_for_good(api):
    # given
    band, ada = await booked_pair()
    assert await names_shared_with(api, ada) == ["The Band"]
    # when the performer withdraws consent
    await api.data(WITHDRAW % "false", token=band.token)
    # then the customer no longer sees them, and consenting again revives nothing
    assert await names_shared_with(api, ada) == []
    await api.data(WITHDRAW % "true", token=band.token)
    assert await names_shared_with(api, ada) == []
    shares = (await api.data(SHARES, token=band.token))["me"]["contactShares"]
    assert shares[0]["revokedAt"] is not None
    # and the other direction is untouched
    assert await names_shared_with(api, band) == ["Ada"]


async def test_consent_is_checked_in_the_query_itself(api):
    # given a grant left unrevoked while consent is off (as if written by another path)
    band, ada = await booked_pair()
    from models.accounts import PrivacyPreferences

    await PrivacyPreferences.filter(account_id=band.account.id).update(contact_sharing=False)
    # then the grant is still out of force
    assert await names_shared_with(api, ada) == []


async def test_a_cancelled_owners_details_are_not_shared(api):
    band, ada = await booked_pair()
    await Account.filter(id=band.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime.now(UTC)
    )
    assert await names_shared_with(api, ada) == []


async def test_the_owner_sees_every_share_and_revokes_one(api):
    # given
    band, ada = await booked_pair()
    shares = (await api.data(SHARES, token=ada.token))["me"]["contactShares"]
    assert [(s["recipientName"], s["revokedAt"]) for s in shares] == [("The Band", None)]
    assert "Wedding band" in shares[0]["reason"]
    # when
    revoked = (await api.data(REVOKE, {"id": shares[0]["id"]}, token=ada.token))[
        "revokeContactShare"
    ]
    # then
    assert revoked["__typename"] == "ContactShare" and revoked["revokedAt"] is not None
    assert await names_shared_with(api, band) == []
    shares = (await api.data(SHARES, token=ada.token))["me"]["contactShares"]
    assert shares[0]["revokedAt"] == revoked["revokedAt"]


async def test_nobody_revokes_someone_elses_share(api):
    band, ada = await booked_pair()
    mallory = await factories.customer(granted=SHARING)
    grant = await ContactGrant.get(owner_id=ada.account.id)
    for token in (mallory.token, band.token, None):
        result = (await api.data(REVOKE, {"id": str(grant.id)}, token=token))["revokeContactShare"]
        assert result["__typename"] in {"NotFound", "NotAuthorized"}
    assert (await ContactGrant.get(id=grant.id)).revoked_at is None
    assert await names_shared_with(api, band) == ["Ada"]
    garbage = await api.data(REVOKE, {"id": "x'; DROP TABLE"}, token=ada.token)
    assert garbage["revokeContactShare"]["__typename"] == "NotFound"


async def test_nobody_else_sees_contacts_shared_with_someone(api):
    _band, ada = await booked_pair()
    mallory = await factories.customer(granted=SHARING)
    assert await names_shared_with(api, mallory) == []
    anonymous = await api.data(SHARED, {"first": 50})
    assert anonymous["sharedContacts"]["edges"] == []
    assert await names_shared_with(api, ada) == ["The Band"]


async def test_pages_skip_grants_out_of_force_without_gaps(api):
    # given five performers who shared with Ada, two of whom withdrew
    ada = await factories.customer(granted=SHARING)
    bands = []
    for number in range(5):
        band = await factories.performer(name=f"Band {number}", granted=SHARING)
        await factories.inquiry(ada, await factories.listing(band))
        bands.append(band)
    for band in (bands[1], bands[3]):
        await api.data(WITHDRAW % "false", token=band.token)
    # when read two at a time
    seen, after = [], None
    while True:
        page = (await api.data(SHARED, {"first": 2, "after": after}, token=ada.token))[
            "sharedContacts"
        ]
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then
    assert seen == ["Band 4", "Band 2", "Band 0"]


async def test_each_contact_read_is_audited(api):
    band, ada = await booked_pair()
    await names_shared_with(api, ada)
    event = await AuditEvent.get(subject_id=band.account.id)
    grant = await ContactGrant.get(owner_id=band.account.id)
    assert (event.action, event.actor_id, event.via, event.grant_id, event.api_key_id) == (
        "CONTACT_READ",
        ada.account.id,
        "SESSION",
        grant.id,
        None,
    )


async def test_staff_list_the_audit_log_about_a_person(api):
    band, ada = await booked_pair()
    clerk = await factories.staff()
    await names_shared_with(api, ada)
    query = """query Audit($id: ID!) { auditEvents(accountId: $id) {
      edges { node { action actorName subjectId via } } } }"""
    events = (await api.data(query, {"id": band.id}, token=clerk.token))["auditEvents"]["edges"]
    assert [edge["node"] for edge in events] == [
        {"action": "CONTACT_READ", "actorName": "Ada", "subjectId": band.id, "via": "SESSION"}
    ]
    for token in (ada.token, band.token, None):
        result = await api.data(query, {"id": band.id}, token=token)
        assert result["auditEvents"]["edges"] == []


async def test_a_shared_contacts_page_costs_the_same_queries_whatever_its_size(api, sql_queries):
    ada = await factories.customer(granted=SHARING)

    async def share_from_new_bands(count: int) -> None:
        for _ in range(count):
            band = await factories.performer(granted=SHARING)
            await factories.inquiry(ada, await factories.listing(band))

    await share_from_new_bands(5)
    sql_queries.reset()
    assert len(await names_with_inquiries(api, ada)) == 5
    five = sql_queries.count
    await share_from_new_bands(45)
    sql_queries.reset()
    assert len(await names_with_inquiries(api, ada)) == 50
    # the session, the page with its owners, the audit insert, inquiries, listings, and
    # the request log line
    assert sql_queries.count == five == 6


async def names_with_inquiries(api, person) -> list[str]:
    result = await api.data(SHARED, {"first": 50}, token=person.token)
    return [
        edge["node"]["inquiry"]["listing"]["title"] for edge in result["sharedContacts"]["edges"]
    ]
