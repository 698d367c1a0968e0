"""What the notice of a password change may say about each thing that can still reach
the account: enough for its owner to recognise it and end it, nothing that would open
it for whoever else reads the mail.

- a session: its coarse client ("Firefox on Linux", privacy/sessions.describe_client)
  and dates; never its token, IP address or User-Agent;
- an API key: its name and scopes; never its secret or a rotated secret;
- a webhook endpoint: its host; never the full URL (a path or query may hold a
  partner's secret) nor its signing secret.

A key's name was typed by whoever held a session, who may not be the owner: it is shown
cut short, without links, addresses, numbers or tokens, so that a name cannot turn our
mail into someone's phishing page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from models.access import StillOpen
from models.accounts import Session
from models.api_keys import ApiKey
from models.webhooks import WebhookEndpoint
from privacy.redaction import redact

NAME_SHOWN_LENGTH = 60
UNKNOWN_CLIENT = "an unrecognised app or browser"
_LINKISH = re.compile(
    r"(?i)(?:[a-z][a-z0-9+.-]*:(?://)?|www\.)\S*"  # a scheme (https://, mailto:) or www.
    r"|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b(?:/\S*)?"  # a bare domain, with a path
)


@dataclass(frozen=True)
class SessionShown:
    client: str
    signed_in: datetime
    last_used: datetime | None
    current: bool


@dataclass(frozen=True)
class KeyShown:
    name: str
    scopes: list[str]
    expires: datetime | None


@dataclass(frozen=True)
class AccessShown:
    sessions: list[SessionShown]
    more_sessions: int
    api_keys: list[KeyShown]
    more_api_keys: int
    webhook_hosts: list[str]
    more_webhook_hosts: int


def key_name_shown(name: str) -> str:
    """A key's name as the notice may quote it."""
    shown = _LINKISH.sub("[link]", redact(name)).strip()
    if len(shown) > NAME_SHOWN_LENGTH:
        shown = shown[: NAME_SHOWN_LENGTH - 1].rstrip() + "…"
    return shown or "(no name)"


def endpoint_host(url: str) -> str:
    """Only the host: a webhook URL's path and query may hold a partner's secret."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or "(an endpoint with no host)"


def session_shown(session: Session, current_session_id: int | None) -> SessionShown:
    return SessionShown(
        client=session.client or UNKNOWN_CLIENT,
        signed_in=session.created_at,
        last_used=session.last_used_at,
        current=session.id == current_session_id,
    )


def key_shown(key: ApiKey) -> KeyShown:
    return KeyShown(
        name=key_name_shown(key.name), scopes=sorted(key.scope_set), expires=key.expires_at
    )


def shown(still_open: StillOpen, current_session_id: int | None) -> AccessShown:
    endpoints: list[WebhookEndpoint] = still_open.webhook_endpoints
    return AccessShown(
        sessions=[session_shown(s, current_session_id) for s in still_open.sessions],
        more_sessions=still_open.session_count - len(still_open.sessions),
        api_keys=[key_shown(key) for key in still_open.api_keys],
        more_api_keys=still_open.api_key_count - len(still_open.api_keys),
        webhook_hosts=[endpoint_host(endpoint.url) for endpoint in endpoints],
        more_webhook_hosts=still_open.webhook_endpoint_count - len(endpoints),
    )
