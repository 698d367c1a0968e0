"""Registration, sign-in, the profile and privacy choices."""

from __future__ import annotations

from models.purposes import Purpose
from schema.accounts import (
    Account,
    AuthPayload,
    LoginResult,
    PrivacyPreferences,
    PrivacyPreferencesInput,
    PrivacyPreferencesResult,
    RegisterInput,
    RegisterResult,
    UpdateProfileInput,
    UpdateProfileResult,
    given,
)
from schema.context import Info
from services import accounts, profiles


async def me(info: Info) -> Account | None:
    """The signed-in account; null for anonymous callers and API keys."""
    person = info.context.viewer.person
    return Account.from_row(person) if person else None


async def register(info: Info, input: RegisterInput) -> RegisterResult:
    choices = input.consents
    account, token = await accounts.register(
        info.context.rate_limits,
        name=input.name,
        email=input.email,
        password=input.password,
        role=input.role,
        consents={
            Purpose.PROMOTIONAL_EMAILS: choices.promotional_emails,
            Purpose.PARTNER_PROMOTIONS: choices.partner_promotions,
            Purpose.CONTACT_SHARING: choices.contact_sharing,
            Purpose.TARGETED_ADS: choices.targeted_ads,
        },
        ip=info.context.viewer.ip,
        session_days=info.context.settings.session_days,
    )
    return AuthPayload(token=token, account=Account.from_row(account))


async def login(info: Info, email: str, password: str) -> LoginResult:
    account, token = await accounts.login(
        info.context.rate_limits,
        email=email,
        password=password,
        ip=info.context.viewer.ip,
        session_days=info.context.settings.session_days,
    )
    return AuthPayload(token=token, account=Account.from_row(account))


async def logout(info: Info) -> bool:
    """Ends the current session; false when there was none."""
    return await accounts.logout(info.context.viewer.session_id)


async def update_profile(info: Info, input: UpdateProfileInput) -> UpdateProfileResult:
    viewer = info.context.viewer
    account = await profiles.update_profile(
        info.context.rate_limits, viewer.require_account(), ip=viewer.ip, **input.changes()
    )
    return Account.from_row(account)


def choices_given(input: PrivacyPreferencesInput) -> dict[Purpose, bool]:
    """Only the purposes the input names (a partial update)."""
    return {
        purpose: answer.value
        for purpose in Purpose
        if given(answer := getattr(input, purpose.preference_field))
    }


async def update_privacy_preferences(
    info: Info, input: PrivacyPreferencesInput
) -> PrivacyPreferencesResult:
    viewer = info.context.viewer
    preferences = await profiles.update_privacy_preferences(
        viewer.require_account(), choices_given(input), ip=viewer.ip
    )
    return PrivacyPreferences.from_row(preferences)
