"""The targeted-ads audience, as the company's ad partner reads it."""

from __future__ import annotations

import strawberry

from schema.pagination import Connection


@strawberry.type(
    description="One person in the targeted-ads audience: the hash of their email address, "
    "and nothing else about them."
)
class AdsAudienceMember:
    email_sha256: str = strawberry.field(
        description="Lower-case hex SHA-256 of the address, trimmed and lower-cased first."
    )

    @classmethod
    def of(cls, hashed: str) -> AdsAudienceMember:
        return cls(email_sha256=hashed)


AdsAudienceMemberConnection = Connection[AdsAudienceMember]
