"""Honouring a browser's Global Privacy Control signal for the signed-in person, and
telling them what it did. The rules are privacy/gpc.py; the ledger is written by
privacy/consent.py only."""

from __future__ import annotations

from models.accounts import Account, PrivacyPreferences
from models.purposes import ConsentSource
from privacy import consent, gpc


async def honour(account: Account, *, ip: str | None) -> PrivacyPreferences | None:
    """A request of the person's own session carried `Sec-GPC: 1`. Answers their
    current choices, as they stand after the signal.

    Cheap, since it comes with every request: one read of the choices when the purposes
    it covers are off already (the usual case once honoured), a second read of the
    ledger when one is on, and a write only when it turns one off."""
    preferences = await PrivacyPreferences.get_or_none(account_id=account.id)
    on = gpc.still_on(preferences)
    if not on:
        return preferences
    overridden = await gpc.honoured_before(account.id, on)
    due = [purpose for purpose in on if purpose not in overridden]
    if due:
        # Off afterwards, whether this request or a racing one recorded it.
        await consent.withdraw_where_granted(account, due, ConsentSource.GLOBAL_PRIVACY_CONTROL, ip)
        for purpose in due:
            setattr(preferences, purpose.preference_field, False)
    return preferences


async def honoured(account_id: int, preferences: PrivacyPreferences | None) -> gpc.Honoured | None:
    """What the signal did for the person, for `me.globalPrivacyControl`."""
    return await gpc.honoured(account_id, preferences)
