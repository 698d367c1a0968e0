"""Registration, sign-in, the profile and privacy choices."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.ids import parse_id
from models.purposes import Purpose
from schema.accounts import (
    DISABLE_WEBHOOK_ENDPOINTS,
    REVOKE_API_KEYS,
    Account,
    AddressConfirmationSent,
    AddressConfirmed,
    AuthPayload,
    ChangePasswordInput,
    ChangePasswordResult,
    ConfirmAddressResult,
    LoginResult,
    PasswordChanged,
    PasswordReset,
    PasswordResetRequested,
    PrivacyPreferences,
    PrivacyPreferencesInput,
    PrivacyPreferencesResult,
    RegisterInput,
    RegisterResult,
    RequestPasswordResetResult,
    ResendAddressConfirmationResult,
    ResetPasswordInput,
    ResetPasswordResult,
    RevokeSessionResult,
    SessionRevoked,
    SignedOutEverywhere,
    SignOutEverywhereResult,
    UpdateProfileInput,
    UpdateProfileResult,
    given,
)
from schema.context import Info
from services import accounts, address_confirmation, password_reset, profiles, sessions

# Session keys are 64-bit (BigIntField).
MAX_BIG_KEY = 2**63 - 1


async def me(info: Info) -> Account | None:
    """The signed-in account; null for anonymous callers and API keys."""
    person = info.context.viewer.person
    return Account.from_row(person) if person else None


def user_agent(info: Info) -> str | None:
    """Read only to describe the session coarsely (privacy/sessions.describe_client)."""
    return info.context.request.headers.get("user-agent")


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
        user_agent=user_agent(info),
        phone_region=info.context.settings.default_phone_region,
    )
    return AuthPayload(token=token, account=Account.from_row(account))


async def login(info: Info, email: str, password: str) -> LoginResult:
    account, token = await accounts.login(
        info.context.rate_limits,
        email=email,
        password=password,
        ip=info.context.viewer.ip,
        session_days=info.context.settings.session_days,
        user_agent=user_agent(info),
    )
    return AuthPayload(token=token, account=Account.from_row(account))


async def logout(info: Info) -> bool:
    """Ends the current session; false when there was none."""
    return await accounts.logout(info.context.viewer.session_id)


async def update_profile(info: Info, input: UpdateProfileInput) -> UpdateProfileResult:
    viewer = info.context.viewer
    account = await profiles.update_profile(
        info.context.rate_limits,
        viewer.require_account(),
        ip=viewer.ip,
        phone_region=info.context.settings.default_phone_region,
        **input.changes(),
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


async def change_password(info: Info, input: ChangePasswordInput) -> ChangePasswordResult:
    """Needs the current password; every other session of the account ends, and the API
    keys and webhook endpoints if asked; the person is mailed what is left."""
    viewer = info.context.viewer
    ended = await sessions.change_password(
        info.context.rate_limits,
        viewer.require_account(),
        current_session_id=viewer.session_id,
        current_password=input.current_password,
        new_password=input.new_password,
        also=sessions.AlsoEnd(
            api_keys=input.revoke_api_keys, webhook_endpoints=input.disable_webhook_endpoints
        ),
    )
    return PasswordChanged(
        sessions_ended=ended.sessions,
        api_keys_revoked=ended.api_keys,
        webhook_endpoints_disabled=ended.webhook_endpoints,
    )


async def sign_out_everywhere(
    info: Info,
    revoke_api_keys: Annotated[bool, strawberry.argument(description=REVOKE_API_KEYS)] = False,
    disable_webhook_endpoints: Annotated[
        bool, strawberry.argument(description=DISABLE_WEBHOOK_ENDPOINTS)
    ] = False,
) -> SignOutEverywhereResult:
    """Ends every session of the account, this one included, and the API keys and
    webhook endpoints if asked."""
    ended = await sessions.sign_out_everywhere(
        info.context.viewer.require_account(),
        sessions.AlsoEnd(api_keys=revoke_api_keys, webhook_endpoints=disable_webhook_endpoints),
    )
    return SignedOutEverywhere(
        sessions_ended=ended.sessions,
        api_keys_revoked=ended.api_keys,
        webhook_endpoints_disabled=ended.webhook_endpoints,
    )


async def revoke_session(info: Info, id: strawberry.ID) -> RevokeSessionResult:
    """Ends one of my sessions; another person's session is NotFound."""
    account = info.context.viewer.require_account()
    session = await sessions.revoke_session(account, parse_id(id, maximum=MAX_BIG_KEY))
    return SessionRevoked(id=strawberry.ID(str(session.id)))


# One answer for every address, registered or not.
RESET_REQUESTED = (
    "If an active account uses this address, a link to set a new password is on its way."
)


async def request_password_reset(info: Info, email: str) -> RequestPasswordResetResult:
    """Mails a reset link if an active account uses `email`; answers the same either way."""
    context = info.context
    await password_reset.request_reset(
        context.rate_limits,
        email=email,
        ip=context.viewer.ip,
        minutes=context.settings.password_reset_minutes,
    )
    return PasswordResetRequested(message=RESET_REQUESTED)


async def reset_password(info: Info, input: ResetPasswordInput) -> ResetPasswordResult:
    """Sets a new password with the link's token; every session of the account ends."""
    ended = await password_reset.reset_password(
        info.context.links, token=input.token, new_password=input.new_password
    )
    return PasswordReset(sessions_ended=ended)


async def confirm_address(info: Info, token: str) -> ConfirmAddressResult:
    """Confirms an address from the link mailed to it; needs no session."""
    account = await address_confirmation.confirm_address(info.context.links, token)
    return AddressConfirmed(email=account.email, confirmed_at=account.email_confirmed_at)


async def resend_address_confirmation(info: Info) -> ResendAddressConfirmationResult:
    """Mails the signed-in person a new confirmation link, unless confirmed already."""
    account = info.context.viewer.require_account()
    sent = await address_confirmation.resend_confirmation(info.context.rate_limits, account)
    if not sent:
        return AddressConfirmed(email=account.email, confirmed_at=account.email_confirmed_at)
    return AddressConfirmationSent(email=account.email)
