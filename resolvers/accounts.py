"""Registration, sign-in, the profile and privacy choices."""

from __future__ import annotations

from models import auth, profiles
from models.purposes import ConsentSource, Purpose
from privacy import consent
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


async def me(info: Info) -> Account | None:
    """The signed-in account; null for anonymous callers."""
    account = info.context.viewer.account
    return Account.from_row(account) if account and info.context.viewer.session_id else None


async def register(info: Info, input: RegisterInput) -> RegisterResult:
    await info.context.rate_limits.register(info.context.viewer.ip)
    choices = input.consents
    account, token = await auth.register(
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
    async with info.context.rate_limits.login(info.context.viewer.ip, email):
        account, token = await auth.login(
            email=email, password=password, session_days=info.context.settings.session_days
        )
    return AuthPayload(token=token, account=Account.from_row(account))


async def logout(info: Info) -> bool:
    """Ends the current session; false when there was none."""
    session_id = info.context.viewer.session_id
    return session_id is not None and await auth.end_session(session_id)


async def update_profile(info: Info, input: UpdateProfileInput) -> UpdateProfileResult:
    viewer = info.context.viewer
    account = viewer.require_account()
    changes = input.changes()
    if "email" in changes:
        await info.context.rate_limits.email_change(viewer.ip, account.id)
    return Account.from_row(await profiles.update_profile(account, **changes))


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
    account = viewer.require_account()
    choices = choices_given(input)
    preferences = await consent.record_choices(account, choices, ConsentSource.SETTINGS, viewer.ip)
    return PrivacyPreferences.from_row(preferences)
