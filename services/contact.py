"""The company's contact point: who controls the data and how to reach them about it
(`privacyContact`), and where to report a vulnerability (/.well-known/security.txt,
RFC 9116). Both come from settings alone: they never depend on who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from settings import Settings

SECURITY_TXT_PATH = "/.well-known/security.txt"
# RFC 9116 recommends an Expires less than a year ahead; renewed every day.
SECURITY_TXT_LIFETIME = timedelta(days=180)


@dataclass(frozen=True)
class ContactPoint:
    controller_name: str
    email: str
    postal_address: str
    phone: str


def privacy_contact(settings: Settings) -> ContactPoint:
    return ContactPoint(
        controller_name=settings.privacy_controller_name,
        email=settings.privacy_email,
        postal_address=settings.privacy_postal_address,
        phone=settings.privacy_phone,
    )


def security_txt_expires(settings: Settings, now: datetime) -> datetime:
    """SECURITY_TXT_EXPIRES when set (naive means UTC), else 180 days after today's
    start, so that every worker and host answers the same all day."""
    if settings.security_txt_expires is not None:
        expires = settings.security_txt_expires
        return expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + SECURITY_TXT_LIFETIME


def security_txt(settings: Settings, now: datetime) -> str:
    """The security.txt file: each field on its own line, Expires in RFC 3339 (UTC)."""
    expires = security_txt_expires(settings, now).astimezone(UTC)
    lines = [
        f"Contact: {settings.security_contact}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en",
        f"Canonical: {settings.public_url}{SECURITY_TXT_PATH}",
    ]
    if settings.security_policy_url:
        lines.append(f"Policy: {settings.security_policy_url}")
    return "\n".join(lines) + "\n"
