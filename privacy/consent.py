"""Consent: the current choices and the append-only ledger behind them.

A choice is only ever written here, so the two can never disagree: each call updates
PrivacyPreferences and appends one ConsentEvent per choice in one transaction, naming
the policy version in force at that moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from errors import InvalidInput
from models.accounts import Account, ConsentEvent, PrivacyPreferences
from models.policies import policy_in_force
from models.purposes import ConsentSource, Purpose
from models.sharing import end_grants_given


async def record_choices(
    account: Account,
    choices: Mapping[Purpose, bool],
    source: ConsentSource,
    ip: str | None,
) -> PrivacyPreferences:
    """Applies `choices` (some or all purposes) and records each in the ledger."""
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
                )
                for purpose, granted in choices.items()
            ]
        )
        if choices.get(Purpose.CONTACT_SHARING) is False:
            # Withdrawal ends every share now; consenting again later revives none.
            await end_grants_given(account.id)
    return preferences


async def allows(account_id: int, purpose: Purpose) -> bool:
    """Whether the person's current choice permits `purpose`; no choice means no."""
    preferences = await PrivacyPreferences.get_or_none(account_id=account_id)
    return preferences is not None and preferences.allows(purpose)


async def record_choice(
    account: Account, purpose: str, granted: bool, source: ConsentSource, ip: str | None
) -> ConsentEvent:
    """A choice about a purpose the version in force asks for beyond the core ones
    (including one it introduced), recorded under that version. Ledger only: the
    current choices (PrivacyPreferences) have a column per core purpose and none for
    these; privacy/policy.applies reads them from the ledger."""
    if purpose in set(Purpose):
        raise ValueError("choices about the core purposes go through record_choices")
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
