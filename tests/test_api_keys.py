"""Partners read what was shared with them through scoped API keys; a key never
changes data or reads its owner's private fields."""

from __future__ import annotations

from datetime import UTC, datetime

from models.accounts import Account, AccountStatus
from models.api_keys import ApiKey, ApiScope
from models.audit import AuditEvent
from models.purposes import Purpose
from models.tokens import hash_token
from tests import factories

SHARING = (Purpose.CONTACT_SHARING,)
CREATE = """
mutation Create($input: ApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on ApiKey { id name scopes token }
    ... on ValidationError { field message }
    ... on NotAuthorized { message }
  }
}
"""
REVOKE = """
mutation Revoke($id: ID!) {
  revokeApiKey(id: $id) { __typename ... on ApiKey { id token revokedAt } }
}
"""
SHARED = "{ sharedContacts { edges { node { name email } } } }"


async def test_a_key_is_shown_once_and_stored_only_as_a_hash(api):
    band = await factories.performer()
    created = (
        await api.data(
            CREATE, {"input": {"name": "CRM", "scopes": ["CONTACTS_READ"]}}, token=band.token
        )
    )["createApiKey"]
    assert created["token"].startswith("blk_")
    stored = await ApiKey.get(id=int(created["id"]))
    assert stored.token_hash == hash_token(created["token"])
    keys = (await api.data("{ me { apiKeys { name scopes token } } }", token=band.token))["me"]
    assert keys["apiKeys"] == [{"name": "CRM", "scopes": ["CONTACTS_READ"], "token": None}]


async def test_a_key_with_contacts_read_fetches_shared_contacts_and_is_audited(api):
    # given a performer with whom a customer shared
    band = await factories.performer(granted=SHARING)
    ada = await factories.customer(name="Ada", granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))
    key = await factories.api_key(band, ApiScope.CONTACTS_READ)
    # when the partner's tool reads with the key
    edges = (await api.data(SHARED, token=key))["sharedContacts"]["edges"]
    # then
    assert [edge["node"]["name"] for edge in edges] == ["Ada"]
    event = await AuditEvent.get(subject_id=ada.account.id)
    stored_key = await ApiKey.get(owner_id=band.account.id)
    assert (event.via, event.api_key_id, event.actor_id) == (
        "API_KEY",
        stored_key.id,
        band.account.id,
    )


async def test_a_key_without_the_scope_is_refused(api):
    band = await factories.performer(granted=SHARING)
    key = await factories.api_key(band, ApiScope.LISTINGS_READ)
    errors = await api.errors(SHARED, token=key)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert "CONTACTS_READ" in errors[0]["message"]
    assert not await AuditEvent.exists()


async def test_a_key_neither_changes_data_nor_reads_private_fields(api):
    band = await factories.performer(granted=SHARING)
    key = await factories.api_key(band, ApiScope.CONTACTS_READ, ApiScope.LISTINGS_READ)
    assert (await api.data("{ me { email phone } }", token=key))["me"] is None
    mutations = [
        "mutation { updatePrivacyPreferences(input: {targetedAds: true}) { __typename } }",
        'mutation { updateProfile(input: {name: "Mallory"}) { __typename } }',
        'mutation { createApiKey(input: {name: "more", scopes: [CONTACTS_READ]}) { __typename } }',
        "mutation { revokeApiKey(id: 1) { __typename } }",
        "mutation { revokeContactShare(id: 1) { __typename } }",
    ]
    for mutation in mutations:
        result = await api.data(mutation, token=key)
        assert next(iter(result.values()))["__typename"] == "NotAuthorized", mutation
    assert (await api.data("mutation { logout }", token=key))["logout"] is False
    stored = await Account.get(id=band.account.id)
    assert stored.name == band.account.name
    assert await ApiKey.all().count() == 1


async def test_a_revoked_key_reads_nothing(api):
    band = await factories.performer(granted=SHARING)
    ada = await factories.customer(granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))
    key = await factories.api_key(band, ApiScope.CONTACTS_READ)
    stored = await ApiKey.get(owner_id=band.account.id)
    revoked = (await api.data(REVOKE, {"id": str(stored.id)}, token=band.token))["revokeApiKey"]
    assert revoked["__typename"] == "ApiKey" and revoked["revokedAt"] and revoked["token"] is None
    assert (await api.data(SHARED, token=key))["sharedContacts"]["edges"] == []


async def test_keys_die_with_their_owners_account(api):
    band = await factories.performer(granted=SHARING)
    ada = await factories.customer(granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band))
    key = await factories.api_key(band, ApiScope.CONTACTS_READ)
    await Account.filter(id=band.account.id).update(
        status=AccountStatus.CANCELLED, cancelled_at=datetime.now(UTC)
    )
    assert (await api.data(SHARED, token=key))["sharedContacts"]["edges"] == []


async def test_nobody_revokes_someone_elses_key(api):
    band = await factories.performer()
    mallory = await factories.performer()
    await factories.api_key(band, ApiScope.CONTACTS_READ)
    stored = await ApiKey.get(owner_id=band.account.id)
    for token in (mallory.token, None):
        result = (await api.data(REVOKE, {"id": str(stored.id)}, token=token))["revokeApiKey"]
        assert result["__typename"] in {"NotFound", "NotAuthorized"}
    assert (await ApiKey.get(id=stored.id)).revoked_at is None


async def test_bad_key_requests_are_validation_errors_and_create_nothing(api):
    band = await factories.performer()
    for variables, field in (
        ({"name": "", "scopes": ["CONTACTS_READ"]}, "name"),
        ({"name": "CRM", "scopes": []}, "scopes"),
    ):
        result = (await api.data(CREATE, {"input": variables}, token=band.token))["createApiKey"]
        assert (result["__typename"], result["field"]) == ("ValidationError", field)
    errors = await api.errors(
        CREATE, {"input": {"name": "CRM", "scopes": ["ADMIN"]}}, token=band.token
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert not await ApiKey.exists()


async def test_a_key_with_listings_read_reads_received_inquiries(api):
    band = await factories.performer(granted=SHARING)
    ada = await factories.customer(granted=SHARING)
    await factories.inquiry(ada, await factories.listing(band), event_type="Gala")
    query = "{ receivedInquiries { edges { node { eventType } } } }"
    listings_key = await factories.api_key(band, ApiScope.LISTINGS_READ)
    contacts_key = await factories.api_key(band, ApiScope.CONTACTS_READ)
    edges = (await api.data(query, token=listings_key))["receivedInquiries"]["edges"]
    assert edges == [{"node": {"eventType": "Gala"}}]
    errors = await api.errors(query, token=contacts_key)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
