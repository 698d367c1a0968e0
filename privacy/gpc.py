"""Global Privacy Control: a browser's `Sec-GPC: 1` header is the person saying "do not
sell or share my data". Here it opts a signed-in person out of TARGETED_ADS (the ad
partner) and PARTNER_PROMOTIONS (mail on behalf of partners: the policy's nearest
thing to a sale).

The signal comes with every request, but is recorded once: a purpose is turned off
only while it is on (privacy/consent.withdraw_where_granted), with source
GLOBAL_PRIVACY_CONTROL. A person may then turn a purpose back on themselves (settings,
or staff on their request): that explicit choice, made after the signal was honoured,
stands over the signal (as the CCPA regulations allow, § 7025(c)(3)), so the signal
never turns that purpose off again. A purpose that is on although the ledger holds a
GPC entry for it can only have been turned back on by such a choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from models.accounts import ConsentEvent, PrivacyPreferences
from models.purposes import ConsentSource, Purpose

PURPOSES: tuple[Purpose, ...] = (Purpose.TARGETED_ADS, Purpose.PARTNER_PROMOTIONS)


def sends_opt_out(header: str | None) -> bool:
    """The header's one defined value is "1"; anything else (absent, "0", "yes") is
    not the signal."""
    return header is not None and header.strip() == "1"


def still_on(preferences: PrivacyPreferences | None) -> list[Purpose]:
    """The purposes the signal covers that the person's current choices allow."""
    if preferences is None:
        return []
    return [purpose for purpose in PURPOSES if preferences.allows(purpose)]


async def honoured_before(account_id: int, purposes: Iterable[Purpose]) -> set[Purpose]:
    """Those of `purposes` (on now) that the signal turned off before: the person turned
    them back on since, and their choice stands."""
    found = await ConsentEvent.filter(
        account_id=account_id,
        purpose__in=list(purposes),
        source=ConsentSource.GLOBAL_PRIVACY_CONTROL,
    ).values_list("purpose", flat=True)
    return {Purpose(purpose) for purpose in found}


@dataclass(frozen=True)
class Honoured:
    """What the signal did for one person: when it last turned a purpose off, which
    purposes it turned off, and which of them the person turned back on since."""

    honoured_at: datetime
    purposes: list[Purpose]
    overridden: list[Purpose]


async def honoured(account_id: int, preferences: PrivacyPreferences | None) -> Honoured | None:
    """None when the signal never changed a choice of the person's."""
    events = await ConsentEvent.filter(
        account_id=account_id, source=ConsentSource.GLOBAL_PRIVACY_CONTROL
    ).order_by("-id")
    if not events:
        return None
    turned_off = {Purpose(event.purpose) for event in events}
    purposes = [purpose for purpose in PURPOSES if purpose in turned_off]
    return Honoured(
        honoured_at=events[0].recorded_at,
        purposes=purposes,
        overridden=[purpose for purpose in purposes if purpose in still_on(preferences)],
    )
