"""Advertising: "behavioural targeting opt-out", and the ad network "collects
non-personally-identifiable information" through its own cookies and beacons.

Backline hands the ad network nothing: no list, no hash of an address, no id. What it
decides is only whether the frontend, for this one request, may load the ad network's
targeted ads or only its generic ones, and it decides from the consent ledger:

- targeted only for a person signed in through their own session whose account is
  open and who consents to TARGETED_ADS now (privacy/consent.allows, the one rule);
- generic for anyone else: an anonymous caller has no recorded consent, and an API key
  is a tool, not a browser showing ads to a person;
- generic when the request carries Global Privacy Control (`Sec-GPC: 1`), unless the
  signed-in person turned targeted ads back on themselves after the signal was
  honoured: that later choice stands over the signal (privacy/gpc.py), so the ledger
  answers for them as for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.accounts import Account


class AdsReason(StrEnum):
    # The signed-in person consents to TARGETED_ADS now.
    CONSENTED = "CONSENTED"
    # The signed-in person has not consented, or withdrew.
    NOT_CONSENTED = "NOT_CONSENTED"
    # The request carries Sec-GPC: 1 and nobody's later choice stands over it.
    GLOBAL_PRIVACY_CONTROL = "GLOBAL_PRIVACY_CONTROL"
    # Nobody signed in through their own session: no consent is recorded for the caller.
    NOT_SIGNED_IN = "NOT_SIGNED_IN"


@dataclass(frozen=True)
class AdsPolicy:
    targeted: bool
    reason: AdsReason


def decide(person: Account | None, *, consents: bool, gpc_signal: bool) -> AdsPolicy:
    """`person` is the viewer's own-session account (None for anonymous callers and API
    keys); `consents` is privacy/consent.allows(person, TARGETED_ADS), read after the
    request's Global Privacy Control signal was honoured (web/gpc.py)."""
    if person is not None and person.is_active and consents:
        return AdsPolicy(targeted=True, reason=AdsReason.CONSENTED)
    if gpc_signal:
        return AdsPolicy(targeted=False, reason=AdsReason.GLOBAL_PRIVACY_CONTROL)
    if person is None:
        return AdsPolicy(targeted=False, reason=AdsReason.NOT_SIGNED_IN)
    return AdsPolicy(targeted=False, reason=AdsReason.NOT_CONSENTED)
