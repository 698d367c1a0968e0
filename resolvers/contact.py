"""The company's contact point (public: anyone may ask, signed in or not)."""

from __future__ import annotations

from schema.contact import PrivacyContact
from schema.context import Info
from services import contact


def privacy_contact(info: Info) -> PrivacyContact:
    return PrivacyContact.from_point(contact.privacy_contact(info.context.settings))
