"""Consent: the current choices and the append-only ledger behind them, and the one
question every use of a person's data asks of them (`allows`, and `granted` in SQL).

A choice is only ever written here, so the two can never disagree: each call updates
PrivacyPreferences and appends one ConsentEvent per choice in one transaction, naming
the policy version in force at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from errors import InvalidInput
from models.accounts import Account, ConsentEvent, PrivacyPreferences
from models.policies import PolicyVersion, policy_in_force
from models.purposes import ConsentSource, Purpose
from models.sharing import end_grants_given
from privacy import policies

# Asked by every policy version since the first; each has a column in PrivacyPreferences.
CORE_PURPOSES: frozenset[str] = frozenset(Purpose)


def ensure_origin(source: ConsentSource, ip: str | None, entered_by: Account | None) -> None:
    """A ledger entry's IP is where the person made the choice from. A choice staff
    enter on the person's request (by phone, mail or post) names the staff member
    instead and carries no IP: the clerk's address is not the person's, and it stays
    with the staff member's audit event. Raised for a caller that mixes them up, so
    that the mistake cannot reach a person's ledger (or their export) quietly."""
    if (source == ConsentSource.STAFF_REQUEST) != (entered_by is not None):
        raise ValueError("a choice staff enter names them, and only such a choice does")
    if entered_by is not None and ip is not None:
        raise ValueError("a choice staff entered carries no IP: theirs is not the person's")


async def record_choices(
    account: Account,
    choices: Mapping[Purpose, bool],
    source: ConsentSource,
    ip: str | None,
    *,
    entered_by: Account | None = None,
) -> PrivacyPreferences:
    """Applies `choices` (some or all purposes) and records each in the ledger.
    `entered_by`: the staff member entering them on the person's request (source
    STAFF_REQUEST, and then no `ip`: see ensure_origin)."""
    ensure_origin(source, ip, entered_by)
    now = datetime.now(UTC)
    async with in_transaction():
        policy = await policy_in_force(now)
        preferences = await PrivacyPreferences.get_or_none(account_id=account.id)
        if preferences is None:
            # The first choices are made at registration, where every purpose is asked
            # and none is pre-ticked (the schema makes each answer required).
            if set(choices) != set(Purpose):
                raise ValueError("the first consent choices must answer every purpose")
            preferences = PrivacyPreferences(
                account_id=account.id, **{p.preference_field: choices[p] for p in Purpose}
            )
            await preferences.save(force_create=True)
        elif choices:
            for purpose, granted in choices.items():
                setattr(preferences, purpose.preference_field, granted)
            await preferences.save(update_fields=[p.preference_field for p in choices])
        await _record(account, choices, source, policy, ip, now, entered_by)
    return preferences


async def withdraw_where_granted(
    account: Account, purposes: Iterable[Purpose], source: ConsentSource, ip: str | None
) -> list[Purpose]:
    """Turns off those of `purposes` that are on, and records one ledger entry for each
    one it turned off and none for the others; answers which it turned off. For a
    signal that comes with every request (Global Privacy Control): each UPDATE changes a
    choice only while it is on, so the signal is recorded once, even when two requests
    carrying it race."""
    ensure_origin(source, ip, None)
    now = datetime.now(UTC)
    turned_off: dict[Purpose, bool] = {}
    async with in_transaction():
        for purpose in purposes:
            column = purpose.preference_field
            on = PrivacyPreferences.filter(account_id=account.id, **{column: True})
            if await on.update(**{column: False, "updated_at": now}):
                turned_off[purpose] = False
        if turned_off:
            await _record(account, turned_off, source, await policy_in_force(now), ip, now)
    return list(turned_off)


async def _record(
    account: Account,
    choices: Mapping[Purpose, bool],
    source: ConsentSource,
    policy: PolicyVersion,
    ip: str | None,
    now: datetime,
    entered_by: Account | None = None,
) -> None:
    """The ledger entries of choices just applied, inside the caller's transaction."""
    await ConsentEvent.bulk_create(
        [
            ConsentEvent(
                account_id=account.id,
                purpose=purpose,
                granted=granted,
                source=source,
                policy_version_id=policy.id,
                ip=ip,
                recorded_at=now,
                entered_by_id=entered_by.id if entered_by else None,
            )
            for purpose, granted in choices.items()
        ]
    )
    if choices.get(Purpose.CONTACT_SHARING) is False:
        # Withdrawal ends every share now; consenting again later revives none.
        await end_grants_given(account.id)


async def allows(account_id: int, purpose: str) -> bool:
    """Whether the person's data may be used for `purpose` now: the one question every
    use of one person's data asks (mail at send time, sharing, and any use of a purpose
    a later policy version introduced). No choice means no.

    A purpose a later version introduced applies only after a consent under a version
    that asks for it (privacy/policies.applies, from the ledger). The core purposes are
    asked by every version since the first, so any choice about them was made under a
    version that asks for them: for them `applies` is the current choice, read from
    PrivacyPreferences."""
    if purpose not in CORE_PURPOSES:
        return await policies.applies(account_id, purpose)
    preferences = await PrivacyPreferences.get_or_none(account_id=account_id)
    return preferences is not None and preferences.allows(Purpose(purpose))


def granted(purpose: Purpose, *, through: str = "") -> Q:
    """`allows` as a SQL condition, for pages and fan-outs that must not load and test
    each row: the rows whose person's current choice permits the core `purpose`.
    `through` is the path from the queried model to the account ("owner__" from a grant).
    Purposes a later version introduced have no SQL form yet: nothing uses them in bulk."""
    if purpose not in CORE_PURPOSES:
        raise ValueError(f"{purpose} is not a core purpose; ask allows() per person")
    return Q(**{f"{through}preferences__{Purpose(purpose).preference_field}": True})


async def record_choice(
    account: Account, purpose: str, granted: bool, source: ConsentSource, ip: str | None
) -> ConsentEvent:
    """A choice about a purpose the version in force asks for beyond the core ones
    (including one it introduced), recorded under that version. Ledger only: the
    current choices (PrivacyPreferences) have a column per core purpose and none for
    these; privacy/policies.applies reads them from the ledger."""
    if purpose in CORE_PURPOSES:
        raise ValueError("choices about the core purposes go through record_choices")
    ensure_origin(source, ip, None)
    policy = await policy_in_force(datetime.now(UTC))
    if purpose not in policy.purpose_names:
        raise InvalidInput("purpose", "The privacy policy in force does not ask for this.")
    return await ConsentEvent.create(
        account_id=account.id,
        purpose=purpose,
        granted=granted,
        source=source,
        policy_version_id=policy.id,
        ip=ip,
    )
