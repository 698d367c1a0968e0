"""A person's own sessions: what of a client is kept, and whose session may be ended.

A session keeps a coarse description of the client that opened it, browser family
and operating system ("Firefox on Linux"), so that a person can tell their sessions
apart. The User-Agent itself (a fingerprint, with versions and device models) and the
IP address are never stored with the session nor shown.
"""

from __future__ import annotations

from errors import NotFoundError
from models import auth
from models.accounts import Account, Session

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
    ("curl", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_client(user_agent: str | None) -> str | None:
    """Browser family and operating system from a User-Agent, from fixed lists only,
    so nothing the client wrote is stored; None when neither is recognised."""
    if not user_agent:
        return None
    agent = user_agent[:512]
    browser = next((name for marker, name in _BROWSERS if marker in agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system


async def own_live_session(account: Account, session_id: int | None) -> Session:
    """One of the account's live sessions; NotFound for anyone else's (or none), alike."""
    session = None
    if session_id is not None:
        session = await auth.live_sessions(account.id).get_or_none(id=session_id)
    if session is None:
        raise NotFoundError("No such session.")
    return session
