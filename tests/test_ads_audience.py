"""Behavioural targeting opt-out: the ad partner reads, with a key only staff can make,
the SHA-256 of the address of each person who consents to TARGETED_ADS now, and
nothing else about anyone; off means gone from the next page read."""

from __future__ import annotations

import base64
import hashlib

from models.accounts import Account, AccountStatus, Role
from models.api_keys import ApiKey, ApiScope
from models.audit import AccessMethod, AuditAction, AuditEvent
from models.pagination import encode_cursor
from models.purposes import Purpose
from privacy import ads
from tests import factories

ADS = (Purpose.TARGETED_ADS,)
AUDIENCE = """
query Audience($first: Int, $after: String) {
  adsAudience(first: $first, after: $after) {
    edges { cursor node { emailSha256 } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CREATE = """
mutation Create($scopes: [ApiScope!]!) {
  createApiKey(input: {name: "Ad partner", scopes: $scopes}) {
    __typename
    ... on ApiKey { scopes token }
    ... on NotAuthorized { message }
  }
}
"""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def partner_key() -> str:
    """The ad partner's key, made by a member of staff."""
    return await factories.api_key(await factories.staff(), ApiScope.ADS_AUDIENCE)


async def audience(api, key, first=100, after=None) -> dict:
    variables = {"first": first, "after": after}
    return (await api.data(AUDIENCE, variables, token=key))["adsAudience"]


async def hashes(api, key) -> list[str]:
    page = await audience(api, key)
    return [edge["node"]["emailSha256"] for edge in page["edges"]]


async def test_the_partner_gets_the_hash_of_each_consenting_address_and_nothing_else(api):
    # given one person who consents, and others who do not or may not be counted
    await factories.customer(email="Ada.Lovelace@Example.com", granted=ADS)
    await factories.customer(email="bob@example.com", granted=(Purpose.PARTNER_PROMOTIONS,))
    await factories.performer(email="unconfirmed@example.com", granted=ADS, confirmed=False)
    key = await partner_key()
    # when the partner reads the audience
    # then it gets one hash: of the trimmed, lower-cased address of the one who consents
    assert await hashes(api, key) == [sha256("ada.lovelace@example.com")]
    assert ads.hashed_address("  Ada.Lovelace@Example.COM ") == sha256("ada.lovelace@example.com")
    # and the type has nothing else to give
    fields = await api.data('{ __type(name: "AdsAudienceMember") { fields { name } } }')
    assert fields["__type"]["fields"] == [{"name": "emailSha256"}]


async def test_a_cursor_names_no_account(api):
    ada = await factories.customer(granted=ADS)
    await factories.customer(granted=ADS)
    key = await partner_key()
    page = await audience(api, key, first=1)
    # then the cursor is not the plain keyset cursor naming the account id
    plain = encode_cursor("ads", ada.account.id + 1)
    assert page["pageInfo"]["endCursor"] not in {plain, encode_cursor("ads", ada.account.id)}
    assert b"ads:" not in base64.urlsafe_b64decode(page["pageInfo"]["endCursor"])
    # and a plain (or forged) cursor is refused
    for forged in (plain, page["pageInfo"]["endCursor"][:-4] + "AAAA"):
        errors = await api.errors(AUDIENCE, {"first": 1, "after": forged}, token=key)
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_withdrawing_takes_the_person_out_from_the_next_read(api):
    ada = await factories.customer(email="ada@example.com", granted=ADS)
    key = await partner_key()
    assert await hashes(api, key) == [sha256("ada@example.com")]
    # when she withdraws
    await api.data(
        "mutation { updatePrivacyPreferences(input: {targetedAds: false}) { __typename } }",
        token=ada.token,
    )
    # then the next read no longer has her
    assert await hashes(api, key) == []


async def test_a_cancelled_account_is_out_at_once(api):
    ada = await factories.customer(email="ada@example.com", granted=ADS)
    key = await partner_key()
    assert await hashes(api, key) == [sha256("ada@example.com")]
    await api.data("mutation { cancelAccount { __typename } }", token=ada.token)
    assert await hashes(api, key) == []


async def test_a_cancelled_account_whose_choices_still_consent_is_out(api):
    # the status alone keeps someone out, whatever their stored choices say
    ada = await factories.customer(granted=ADS)
    await Account.filter(id=ada.account.id).update(status=AccountStatus.CANCELLED)
    assert await hashes(api, await partner_key()) == []


async def test_pages_walk_the_audience_once_newest_first(api):
    # given five people who consent, and one who does not, among them
    people = [await factories.customer(granted=ADS) for _ in range(3)]
    await factories.customer()
    people += [await factories.customer(granted=ADS) for _ in range(2)]
    key = await partner_key()
    # when the partner reads pages of two
    seen, after, pages = [], None, 0
    while True:
        page = await audience(api, key, first=2, after=after)
        seen += [edge["node"]["emailSha256"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        if pages == 1:
            # someone on the first page withdrawing does not shift the next ones
            await api.data(
                "mutation { updatePrivacyPreferences(input: {targetedAds: false}) "
                "{ __typename } }",
                token=people[-1].token,
            )
    # then each is read once, newest account first
    assert seen == [ads.hashed_address(p.account.email) for p in reversed(people)]
    assert pages == 3


async def test_each_page_read_is_audited_once_without_naming_anyone(api):
    for _ in range(3):
        await factories.customer(granted=ADS)
    clerk = await factories.staff()
    key = await factories.api_key(clerk, ApiScope.ADS_AUDIENCE)
    first = await audience(api, key, first=2)
    await audience(api, key, first=2, after=first["pageInfo"]["endCursor"])
    events = await AuditEvent.filter(action=AuditAction.ADS_AUDIENCE_READ).order_by("id")
    stored_key = await ApiKey.get(owner_id=clerk.account.id)
    assert [
        (e.actor_id, e.subject_id, e.via, e.api_key_id, e.detail) for e in events
    ] == [
        (clerk.account.id, None, AccessMethod.API_KEY, stored_key.id, {"count": 2}),
        (clerk.account.id, None, AccessMethod.API_KEY, stored_key.id, {"count": 1}),
    ]


async def test_a_key_without_the_scope_is_refused(api):
    await factories.customer(granted=ADS)
    clerk = await factories.staff()
    key = await factories.api_key(clerk, ApiScope.CONTACTS_READ, ApiScope.LISTINGS_READ)
    errors = await api.errors(AUDIENCE, token=key)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert "ADS_AUDIENCE" in errors[0]["message"]
    assert not await AuditEvent.exists()


async def test_sessions_and_anonymous_callers_get_nothing(api):
    ada = await factories.customer(granted=ADS)
    clerk = await factories.staff(granted=ADS)
    band = await factories.performer(granted=ADS)
    for token in (clerk.token, ada.token, band.token, None):
        page = await audience(api, token)
        assert page == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    assert not await AuditEvent.exists()


async def test_only_staff_create_a_key_for_the_ad_partner(api):
    ada = await factories.customer()
    band = await factories.performer()
    for person in (ada, band):
        for scopes in (["ADS_AUDIENCE"], ["CONTACTS_READ", "ADS_AUDIENCE"]):
            result = (await api.data(CREATE, {"scopes": scopes}, token=person.token))
            assert result["createApiKey"]["__typename"] == "NotAuthorized"
    assert not await ApiKey.exists()
    clerk = await factories.staff()
    made = (await api.data(CREATE, {"scopes": ["ADS_AUDIENCE"]}, token=clerk.token))
    assert made["createApiKey"]["scopes"] == ["ADS_AUDIENCE"]


async def test_a_key_whose_owner_is_no_longer_staff_is_refused(api):
    await factories.customer(granted=ADS)
    clerk = await factories.staff()
    key = await factories.api_key(clerk, ApiScope.ADS_AUDIENCE)
    await Account.filter(id=clerk.account.id).update(role=Role.CUSTOMER)
    errors = await api.errors(AUDIENCE, token=key)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert not await AuditEvent.exists()
