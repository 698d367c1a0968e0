"""The company's contact point: public data from settings, the same for every caller."""

from __future__ import annotations

import strawberry

from services.contact import ContactPoint


@strawberry.type(description="How to reach the company about your data.")
class PrivacyContact:
    controller_name: str = strawberry.field(description="Who controls the personal data.")
    email: str = strawberry.field(description="Where to write about your data.")
    postal_address: str
    phone: str

    @classmethod
    def from_point(cls, point: ContactPoint) -> PrivacyContact:
        return cls(
            controller_name=point.controller_name,
            email=point.email,
            postal_address=point.postal_address,
            phone=point.phone,
        )
