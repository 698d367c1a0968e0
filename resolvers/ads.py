"""The targeted-ads audience (the ad partner's key only)."""

from __future__ import annotations

from schema.ads import AdsAudienceMember, AdsAudienceMemberConnection
from schema.context import Info
from services import ads_audience as audience


async def ads_audience(
    info: Info, first: int = 50, after: str | None = None
) -> AdsAudienceMemberConnection:
    """The people who consent to TARGETED_ADS now, as hashed addresses, newest account
    first: for an API key with ADS_AUDIENCE (made by staff for the ad partner). Empty for
    everyone else; a key without the scope is refused (FORBIDDEN). Each page read is
    audited."""
    page = await audience.audience_page(
        info.context.viewer, first=first, after=after, maximum=info.context.settings.max_page_size
    )
    return AdsAudienceMemberConnection.of(page, AdsAudienceMember.of)
