"""Which ads the frontend may load for this request: targeted or only generic. The rule
is privacy/ads.py; the answer comes from the consent ledger. Nothing here, nor anywhere
in Backline, sends the ad network anything."""

from __future__ import annotations

from models.purposes import Purpose
from privacy import ads, consent, gpc
from privacy.viewer import Viewer


async def policy_for(viewer: Viewer, *, gpc_header: str | None) -> ads.AdsPolicy:
    person = viewer.person
    consents = person is not None and await consent.allows(person.id, Purpose.TARGETED_ADS)
    return ads.decide(person, consents=consents, gpc_signal=gpc.sends_opt_out(gpc_header))
