"""The privacy rules, each pinned down by a behaviour: what mutation testing of privacy/
found no test for (docs/privacy.md, "Mutation testing"). Real database, no mocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from errors import InvalidInput, NotFoundError
from models.accounts import Account, AccountStatus, ConsentEvent
from models.audit import AuditAction, AuditEvent
from models.policies import PolicyVersion
from models.purposes import ConsentSource, Purpose
from models.retention import LegalHold
from privacy import consent
from privacy import policies as policy
from services import policies, retention
from services import staff_requests as requests
from tests import factories

CLIENT_IP = "203.0.113.9"  # the address tests/conftest.py gives every API request


async def a_version_asking_for(purpose: str) -> None:
    """In force now: announced (as a material change must be) 31 days ago."""
    now = datetime.now(UTC)
    await policies.publish(
        version="2027-03-01",
        summary=f"We now ask about {purpose}.",
        material_change=True,
        effective_at=now + timedelta(days=31),
        introduces=(purpose,),
    )
    await PolicyVersion.filter(version="2027-03-01").update(
        announced_at=now - timedelta(days=31), effective_at=now - timedelta(seconds=1)
    )


# Policy versions: a choice is one person's, and says where it came from.


async def test_a_choice_someone_else_made_never_governs_my_data(settings):
    # given a version asking about SMS reminders, and Bob who said yes to them
    ada, bob = await factories.customer(), await factories.customer()
    await a_version_asking_for("SMS_REMINDERS")
    await consent.record_choice(bob.account, "SMS_REMINDERS", True, ConsentSource.SETTINGS, None)
    # when we ask what governs Ada's data for that purpose
    # then nothing does: Bob's choice is his alone
    assert not await policy.applies(ada.account.id, "SMS_REMINDERS")
    assert await policy.governing_version(ada.account.id, "SMS_REMINDERS") is None
    assert await policy.applies(bob.account.id, "SMS_REMINDERS")


async def test_a_choice_under_a_new_purpose_is_recorded_with_where_it_came_from(settings):
    # given a version asking about SMS reminders
    ada = await factories.customer()
    await a_version_asking_for("SMS_REMINDERS")
    # when Ada answers from an address
    event = await consent.record_choice(
        ada.account, "SMS_REMINDERS", False, ConsentSource.SETTINGS, "198.51.100.7"
    )
    # then the ledger keeps the answer, its source and that address
    stored = await ConsentEvent.get(id=event.id)
    assert (stored.purpose, stored.granted, stored.source, stored.ip) == (
        "SMS_REMINDERS",
        False,
        ConsentSource.SETTINGS,
        "198.51.100.7",
    )


async def test_a_purpose_no_version_asks_for_is_refused_naming_the_purpose_field(settings):
    ada = await factories.customer()
    # when Ada is asked about a purpose the policy in force does not name
    with pytest.raises(InvalidInput) as refused:
        await consent.record_choice(
            ada.account, "SMS_REMINDERS", True, ConsentSource.SETTINGS, None
        )
    # then the refusal names the field, and nothing is recorded
    assert refused.value.field == "purpose"
    assert not await ConsentEvent.filter(purpose="SMS_REMINDERS").exists()


# Staff acting on requests: each action recorded with who did it and what it was.


async def test_a_choice_given_by_phone_names_the_clerk_and_their_address_and_what_changed(api):
    # given Ada, who consents to promotions, and a clerk taking her call
    ada = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    clerk = await factories.staff()
    # when the clerk records her opt-out
    await api.data(
        """mutation Prefs($id: ID!) { updatePrivacyPreferencesOnRequest(input: {accountId: $id,
        choices: {promotionalEmails: false}}) { __typename } }""",
        {"id": ada.id},
        token=clerk.token,
    )
    # then the ledger entry names the clerk and no address (the request's is the clerk's),
    # and the clerk's audit event has that address and what changed
    event = await ConsentEvent.filter(account_id=ada.account.id).order_by("-id").first()
    assert (event.source, event.ip, event.entered_by_id) == (
        ConsentSource.STAFF_REQUEST,
        None,
        clerk.account.id,
    )
    audit = await AuditEvent.get(action=AuditAction.CONSENT_CHANGED_BY_STAFF)
    assert (audit.detail, audit.actor_ip) == ({"PROMOTIONAL_EMAILS": False}, CLIENT_IP)


async def test_lifting_one_hold_lifts_that_hold_only_and_says_who_lifted_it(settings):
    # given holds on Ada and on Bob
    ada, bob, clerk = (
        await factories.customer(),
        await factories.customer(),
        await factories.staff(),
    )
    ada_hold = await requests.place_hold(clerk.account, ada.account, "Court order", None)
    bob_hold = await requests.place_hold(clerk.account, bob.account, "Tax audit", None)
    # when the clerk lifts Bob's
    await requests.lift_hold(clerk.account, bob_hold.id)
    # then Ada's still stands, Bob's is lifted, and the log names the clerk
    assert (await LegalHold.get(id=ada_hold.id)).lifted_at is None
    assert (await LegalHold.get(id=bob_hold.id)).lifted_at is not None
    lifted = await AuditEvent.get(action=AuditAction.LEGAL_HOLD_LIFTED)
    assert (lifted.actor_id, lifted.subject_id, lifted.detail) == (
        clerk.account.id,
        bob.account.id,
        {"hold_id": bob_hold.id},
    )
    # and a hold that is no longer active cannot be lifted again
    with pytest.raises(NotFoundError):
        await requests.lift_hold(clerk.account, bob_hold.id)


async def test_a_disclosure_records_who_asked_under_what_reference_and_which_data(settings):
    ada, clerk = await factories.customer(), await factories.staff()
    # when the clerk records a disclosure the law required
    event = await requests.record_disclosure(
        clerk.account,
        ada.account,
        authority=" County Court ",
        legal_reference="Order 2026-114",
        data_disclosed=["email address"],
    )
    # then the audit log holds exactly that, about Ada, by the clerk
    stored = await AuditEvent.get(id=event.id)
    assert (stored.action, stored.actor_id, stored.subject_id) == (
        AuditAction.LEGAL_DISCLOSURE,
        clerk.account.id,
        ada.account.id,
    )
    assert stored.detail == {
        "authority": "County Court",
        "legal_reference": "Order 2026-114",
        "data_disclosed": ["email address"],
    }


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("authority", {"authority": "a" * 201}),
        ("legalReference", {"legal_reference": "r" * 201}),
        ("dataDisclosed", {"data_disclosed": ["d" * 201]}),
        ("dataDisclosed", {"data_disclosed": []}),
    ],
)
async def test_a_disclosure_record_too_long_or_empty_is_refused_naming_its_field(
    settings, field, values
):
    ada, clerk = await factories.customer(), await factories.staff()
    record = {"authority": "Court", "legal_reference": "Ref", "data_disclosed": ["email"]}
    # 200 characters are enough for each part of the record
    await requests.record_disclosure(
        clerk.account,
        ada.account,
        authority="a" * 200,
        legal_reference="r" * 200,
        data_disclosed=["d" * 200],
    )
    # one more is refused, naming the field
    with pytest.raises(InvalidInput) as refused:
        await requests.record_disclosure(clerk.account, ada.account, **(record | values))
    assert refused.value.field == field
    assert await AuditEvent.filter(action=AuditAction.LEGAL_DISCLOSURE).count() == 1


async def test_a_hold_records_who_placed_it_until_when_and_why_in_the_reasons_own_words(
    settings,
):
    # given Ada, and a clerk with a court order of several lines
    ada, clerk = await factories.customer(), await factories.staff()
    ends_at = datetime.now(UTC) + timedelta(days=90)
    reason = "Order 2026-114.\nKeep everything about this account."
    # when the clerk places a hold until a date
    placed = await requests.place_hold(clerk.account, ada.account, reason, ends_at)
    # then the hold and the audit log say who placed it, on whom, why and until when
    hold = await LegalHold.get(id=placed.id)
    assert (hold.account_id, hold.placed_by_id, hold.reason) == (
        ada.account.id,
        clerk.account.id,
        reason,
    )
    assert hold.ends_at == ends_at
    event = await AuditEvent.get(action=AuditAction.LEGAL_HOLD_PLACED)
    assert (event.actor_id, event.subject_id, event.detail) == (
        clerk.account.id,
        ada.account.id,
        {"hold_id": hold.id},
    )


async def test_a_hold_that_ended_already_or_has_an_overlong_reason_is_refused(settings):
    ada, clerk = await factories.customer(), await factories.staff()
    # an end date that has passed is refused, naming the field
    with pytest.raises(InvalidInput) as refused:
        await requests.place_hold(
            clerk.account, ada.account, "Order", datetime.now(UTC) - timedelta(seconds=1)
        )
    assert refused.value.field == "endsAt"
    # 2000 characters of reason are enough, one more is refused
    await requests.place_hold(clerk.account, ada.account, "r" * 2000, None)
    with pytest.raises(InvalidInput) as refused:
        await requests.place_hold(clerk.account, ada.account, "r" * 2001, None)
    assert refused.value.field == "reason"
    assert await LegalHold.filter(account_id=ada.account.id).count() == 1


# Retention: erasing takes the one cancelled account named, and leaves a bare record.


async def cancelled(person, days_ago: float) -> None:
    await Account.filter(id=person.account.id).update(
        status=AccountStatus.CANCELLED,
        cancelled_at=datetime.now(UTC) - timedelta(days=days_ago),
    )


async def test_erasing_an_account_takes_that_cancelled_account_and_no_other(settings):
    # given Ada and Bob, both cancelled, and Cy, active
    ada, bob, cy = (
        await factories.customer(),
        await factories.customer(),
        await factories.customer(),
    )
    await cancelled(ada, settings.retention_days + 1)
    await cancelled(bob, 1)
    # when Ada's account is erased, and an erasure of active Cy is asked for
    await retention.erase(ada.account.id)
    await retention.erase(cy.account.id)
    # then only Ada is gone
    assert not await Account.exists(id=ada.account.id)
    assert await Account.exists(id=bob.account.id)
    assert await Account.exists(id=cy.account.id, status=AccountStatus.ACTIVE)


async def test_an_erasure_is_recorded_with_the_day_of_cancelling_and_nothing_personal(settings):
    # given Ada, cancelled long enough ago
    ada = await factories.customer()
    await cancelled(ada, settings.retention_days + 1)
    cancelled_on = (await Account.get(id=ada.account.id)).cancelled_at.date().isoformat()
    # when she is erased
    await retention.erase(ada.account.id)
    # then one event says an erasure happened, and on which day she had cancelled
    event = await AuditEvent.get(action=AuditAction.ACCOUNT_ERASED)
    assert (event.actor_id, event.subject_id) == (None, None)
    assert event.detail == {"cancelled_on": cancelled_on}


async def test_purge_erases_every_account_due_and_reports_each_step(settings):
    # given Ada and Bob cancelled past retention, and Cy, active, under a hold
    ada, bob, cy, clerk = (
        await factories.customer(),
        await factories.customer(),
        await factories.customer(),
        await factories.staff(),
    )
    await cancelled(ada, settings.retention_days + 2)
    await cancelled(bob, settings.retention_days + 1)
    await requests.place_hold(clerk.account, cy.account, "Order", None)
    steps = []
    # when the purge runs
    report = await retention.purge(
        retention_days=settings.retention_days,
        log_retention_days=settings.log_retention_days,
        progress=lambda done, total: steps.append((done, total)),
    )
    # then both are erased, step by step, and the hold on someone not due is not counted
    assert (report.erased, report.held) == (2, 0)
    assert steps == [(1, 2), (2, 2)]
    assert not await Account.filter(id__in=[ada.account.id, bob.account.id]).exists()
    assert await Account.exists(id=cy.account.id)


async def test_purge_judges_holds_at_the_time_it_is_run_for(settings):
    # given Ada, cancelled past retention, under a hold that ends tomorrow
    ada, clerk = await factories.customer(), await factories.staff()
    await cancelled(ada, settings.retention_days + 1)
    await requests.place_hold(
        clerk.account, ada.account, "Order", datetime.now(UTC) + timedelta(days=1)
    )
    purge = {
        "retention_days": settings.retention_days,
        "log_retention_days": settings.log_retention_days,
    }
    # when the purge runs for today, the hold keeps her
    assert (await retention.purge(**purge)).held == 1
    assert await Account.exists(id=ada.account.id)
    # and when it runs for the day after, the hold has ended and she is erased
    later = await retention.purge(**purge, now=datetime.now(UTC) + timedelta(days=2))
    assert (later.erased, later.held) == (1, 0)
    assert not await Account.exists(id=ada.account.id)


# Policy notices: what is announced and recently in force, in the order it takes effect.


async def a_version(version: str, effective_at: datetime) -> None:
    await PolicyVersion.create(
        version=version,
        summary=f"Version {version}.",
        material_change=False,
        announced_at=datetime.now(UTC),
        effective_at=effective_at,
    )


async def test_policy_notices_list_recent_and_coming_versions_in_the_order_they_take_effect(
    settings,
):
    # given versions announced out of order, one in force for a little more than 90 days
    now = datetime.now(UTC)
    await a_version("in a month", now + timedelta(days=30))
    await a_version("next week", now + timedelta(days=7))
    await a_version("last month", now - timedelta(days=30))
    await a_version("next week too", now + timedelta(days=7))
    await a_version("long ago", now - timedelta(days=90, hours=12))
    # when the notices are read
    listed = [v.version for v in await policy.notices(now, limit=10)]
    # then they come in the order they take effect, the older ones left out
    assert listed == ["last month", "next week", "next week too", "in a month"]
    # and a limit keeps the latest of them
    assert [v.version for v in await policy.notices(now, limit=2)] == [
        "next week too",
        "in a month",
    ]


async def test_a_policy_time_without_a_time_zone_is_refused_naming_its_field(settings):
    with pytest.raises(InvalidInput) as refused:
        await policies.publish(
            version="2027-04-01",
            summary="Clearer wording.",
            material_change=False,
            effective_at=datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1),
        )
    assert refused.value.field == "effectiveAt"
    assert not await PolicyVersion.exists(version="2027-04-01")
