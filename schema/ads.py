"""Which ads the frontend may load: targeted or only generic (privacy/ads.py)."""

from __future__ import annotations

import strawberry

from privacy import ads

AdsReason = strawberry.enum(
    ads.AdsReason,
    name="AdsReason",
    description="Why the ads of this request are targeted or only generic.",
)


@strawberry.type(
    description="Whether the frontend may load the ad network's targeted ads for this "
    "request, or only its generic ones. Backline sends the ad network nothing about "
    "anyone: this answer is all the frontend needs, and the ad network's own script "
    "collects only what its cookies and beacons do."
)
class AdsPolicy:
    targeted: bool = strawberry.field(
        description="True only for a person signed in through their own session who "
        "consents to TARGETED_ADS now; false means generic ads only."
    )
    reason: AdsReason = strawberry.field(
        description="CONSENTED: the signed-in person consents to targeted ads now. "
        "NOT_CONSENTED: they have not, or withdrew. GLOBAL_PRIVACY_CONTROL: the request "
        "carries `Sec-GPC: 1` (a signed-in person who turned targeted ads back on after "
        "the signal was honoured gets CONSENTED: their later choice stands). NOT_SIGNED_IN: "
        "an anonymous caller or an API key, for whom no consent is recorded."
    )

    @classmethod
    def of(cls, policy: ads.AdsPolicy) -> AdsPolicy:
        return cls(targeted=policy.targeted, reason=policy.reason)
