"""Which ads the frontend may load for this request (anyone may ask)."""

from __future__ import annotations

from schema.ads import AdsPolicy
from schema.context import Info
from services import ads


async def ads_policy(info: Info) -> AdsPolicy:
    """Targeted or generic ads for this caller: signed in or not, with or without
    Global Privacy Control (`Sec-GPC: 1`)."""
    header = info.context.request.headers.get("sec-gpc")
    return AdsPolicy.of(await ads.policy_for(info.context.viewer, gpc_header=header))
