"""What a person's data may be used for, and where a choice came from.

Plain enums at the bottom of the layers: the models store them, the rules in privacy/
and the services use them, the schema wraps them.
"""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    PROMOTIONAL_EMAILS = "PROMOTIONAL_EMAILS"
    PARTNER_PROMOTIONS = "PARTNER_PROMOTIONS"
    CONTACT_SHARING = "CONTACT_SHARING"
    TARGETED_ADS = "TARGETED_ADS"

    @property
    def preference_field(self) -> str:
        """The column of PrivacyPreferences that holds the current choice."""
        return self.value.lower()


class ConsentSource(StrEnum):
    REGISTRATION = "REGISTRATION"
    SETTINGS = "SETTINGS"
    UNSUBSCRIBE_LINK = "UNSUBSCRIBE_LINK"
    STAFF_REQUEST = "STAFF_REQUEST"
    # A browser's Sec-GPC: 1 header, honoured as an opt-out of sale and targeted ads.
    GLOBAL_PRIVACY_CONTROL = "GLOBAL_PRIVACY_CONTROL"
