"""The signed-in person's own account and privacy choices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import accounts as rows
from privacy import consent
from schema.api_keys import ApiKey
from schema.context import Info
from schema.enums import AccountStatus, ConsentSource, Purpose, Role
from schema.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    NotAuthorized,
    NotFound,
    RateLimited,
    ValidationError,
)
from schema.gpc import GlobalPrivacyControl
from schema.listings import Listing
from schema.policies import IntroducedPurpose
from schema.privacy_requests import PrivacyRequest, PrivacyRequestConnection
from schema.sharing import ContactShare
from schema.testimonials import Testimonial
from schema.webhooks import WebhookEndpoint
from services import gpc, policies, privacy_requests, sessions, webhooks

# Lists that grow are capped in SQL (models/loaders.py); the export is complete.
CAPPED = "At most MAX_LIST_ITEMS (50 by default); `myDataExport` has them all."


@strawberry.type
class PrivacyPreferences:
    promotional_emails: bool
    partner_promotions: bool
    contact_sharing: bool
    targeted_ads: bool

    @classmethod
    def from_row(cls, row: rows.PrivacyPreferences) -> PrivacyPreferences:
        return cls(
            promotional_emails=row.promotional_emails,
            partner_promotions=row.partner_promotions,
            contact_sharing=row.contact_sharing,
            targeted_ads=row.targeted_ads,
        )


@strawberry.type(description="One entry of the append-only consent ledger.")
class ConsentRecord:
    purpose: Purpose
    granted: bool
    source: ConsentSource
    policy_version: str = strawberry.field(
        description="The privacy policy version in force when the choice was made."
    )
    recorded_at: datetime
    entered_by_staff: bool = strawberry.field(
        description="True when a staff member entered this choice for me, on my request "
        "by phone, mail or post (source STAFF_REQUEST): the choice is mine, the entry "
        "theirs, and no IP address is recorded with it as mine."
    )

    @classmethod
    def from_row(cls, row: rows.ConsentEvent) -> ConsentRecord:
        return cls(
            purpose=row.purpose,
            granted=row.granted,
            source=row.source,
            policy_version=row.policy_version.version,
            recorded_at=row.recorded_at,
            entered_by_staff=row.source == ConsentSource.STAFF_REQUEST,
        )


@strawberry.type(
    description="One of my sessions: where I am signed in. Never its token nor an IP address."
)
class AccountSession:
    id: strawberry.ID
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(
        description="Recorded at most every few minutes, so it may lag a little."
    )
    client: str | None = strawberry.field(
        description='Browser family and operating system, such as "Firefox on Linux"; '
        "null when not recognised."
    )
    current: bool = strawberry.field(description="The session this request came through.")

    @classmethod
    def from_row(cls, row: rows.Session, current_session_id: int | None) -> AccountSession:
        return cls(
            id=strawberry.ID(str(row.id)),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            client=row.client,
            current=row.id == current_session_id,
        )


@strawberry.type(description="The signed-in person's own account, with their private data.")
class Account:
    id: strawberry.ID
    name: str
    email: str
    phone: str | None
    pending_email: str | None = strawberry.field(
        description="A new address waiting for confirmation by the link sent to it."
    )
    email_confirmed: bool = strawberry.field(
        description="Whether a link mailed to `email` was used. Until it is, no promotional "
        "or partner mail is sent to it, whatever the privacy preferences say; mail about "
        "the account still is. `resendAddressConfirmation` mails the link again."
    )
    email_confirmed_at: datetime | None = strawberry.field(
        description="When the current address was confirmed; null while it is not."
    )
    role: Role
    status: AccountStatus
    policy_version_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: rows.Account) -> Account:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            email=row.email,
            phone=row.phone,
            pending_email=row.pending_email,
            email_confirmed=row.email_confirmed_at is not None,
            email_confirmed_at=row.email_confirmed_at,
            role=row.role,
            status=row.status,
            policy_version_id=row.policy_version_id,
        )

    @strawberry.field
    async def privacy_preferences(self, info: Info) -> PrivacyPreferences:
        row = await info.context.loaders.preferences.load(int(self.id))
        return PrivacyPreferences.from_row(row)

    @strawberry.field(
        description=f"Newest first. {CAPPED} The four purposes of `Purpose`; answers about "
        "purposes a later version introduced are in `introducedPurposes`."
    )
    async def consent_history(self, info: Info) -> list[ConsentRecord]:
        events = await info.context.loaders.consent_events.load(int(self.id))
        core = [event for event in events if event.purpose in consent.CORE_PURPOSES]
        return [ConsentRecord.from_row(event) for event in core]

    @strawberry.field(
        description="Purposes later versions of the privacy policy ask consent for, beyond "
        "the four of `Purpose`, oldest first, and whether each applies to me."
    )
    async def introduced_purposes(self, info: Info) -> list[IntroducedPurpose]:
        purposes = await policies.introduced_purposes(int(self.id))
        return [IntroducedPurpose.of(purpose) for purpose in purposes]

    @strawberry.field(
        description="What my browser's Global Privacy Control signal did; null when it "
        "never changed a choice of mine."
    )
    async def global_privacy_control(self, info: Info) -> GlobalPrivacyControl | None:
        preferences = await info.context.loaders.preferences.load(int(self.id))
        honoured = await gpc.honoured(int(self.id), preferences)
        return GlobalPrivacyControl.of(honoured) if honoured else None

    @strawberry.field(description=f"My listings, in the directory or not, newest first. {CAPPED}")
    async def listings(self, info: Info) -> list[Listing]:
        listings = await info.context.loaders.own_listings.load(int(self.id))
        return [Listing.from_row(row) for row in listings]

    @strawberry.field(
        description=f"Shares of my contact details, live or revoked, newest first. {CAPPED}"
    )
    async def contact_shares(self, info: Info) -> list[ContactShare]:
        grants = await info.context.loaders.grants_given.load(int(self.id))
        return [ContactShare.from_row(grant) for grant in grants]

    @strawberry.field(description=f"My testimonials, whatever their status, newest first. {CAPPED}")
    async def testimonials(self, info: Info) -> list[Testimonial]:
        rows = await info.context.loaders.testimonials.load(int(self.id))
        return [Testimonial.from_row(row, self.name) for row in rows]

    @strawberry.field(
        description="The privacy policy version this account registered under: data collected "
        "then is used as that version allows."
    )
    async def registered_under_policy(self, info: Info) -> str:
        policy = await info.context.loaders.policy_version.load(self.policy_version_id)
        return policy.version

    @strawberry.field(
        description=f"My API keys, live or revoked, newest first; never their secrets. {CAPPED}"
    )
    async def api_keys(self, info: Info) -> list[ApiKey]:
        keys = await info.context.loaders.api_keys.load(int(self.id))
        return [ApiKey.from_row(key) for key in keys]

    @strawberry.field(
        description=f"My webhook endpoints, newest first; never their secrets. {CAPPED}"
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        rows = await webhooks.endpoints(int(self.id), limit=info.context.settings.max_list_items)
        return [WebhookEndpoint.from_row(row) for row in rows]

    @strawberry.field(description=f"Where I am signed in: live sessions, newest first. {CAPPED}")
    async def sessions(self, info: Info) -> list[AccountSession]:
        found = await sessions.live_sessions(
            int(self.id), limit=info.context.settings.max_list_items
        )
        current = info.context.viewer.session_id
        return [AccountSession.from_row(row, current) for row in found]

    @strawberry.field(
        description="My privacy requests (access, correction, deletion, objection, "
        "questions), newest first, with where each stands and when it is due."
    )
    async def privacy_requests(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> PrivacyRequestConnection:
        page = await privacy_requests.own_requests(
            info.context.viewer,
            int(self.id),
            first=first,
            after=after,
            maximum=info.context.settings.max_page_size,
        )
        return PrivacyRequestConnection.of(page, PrivacyRequest.from_row)


@strawberry.type
class AuthPayload:
    token: str = strawberry.field(description="Send as `Authorization: Bearer <token>`.")
    account: Account


@strawberry.input
class ConsentChoicesInput:
    promotional_emails: bool
    partner_promotions: bool
    contact_sharing: bool
    targeted_ads: bool


@strawberry.input
class RegisterInput:
    name: str
    email: str
    password: str
    role: Role
    consents: ConsentChoicesInput = strawberry.field(
        description="Asked at the point of collection; there are no pre-ticked defaults."
    )


def given(value: strawberry.Maybe[Any]) -> bool:
    """A patch input changes what it names with a value: a field left out, or given as
    null where null is no value the field can take, leaves that field as it is."""
    return isinstance(value, strawberry.Some) and value.value is not None


@strawberry.input(
    description="Only the purposes named with true or false change; null or absent "
    "leaves a choice as it is."
)
class PrivacyPreferencesInput:
    promotional_emails: strawberry.Maybe[bool | None]
    partner_promotions: strawberry.Maybe[bool | None]
    contact_sharing: strawberry.Maybe[bool | None]
    targeted_ads: strawberry.Maybe[bool | None]


@strawberry.input(
    description="Only the fields given change; null or absent leaves a field as it "
    "is, except `phone`, where null (or an empty string) clears the number."
)
class UpdateProfileInput:
    name: strawberry.Maybe[str | None]
    email: strawberry.Maybe[str | None]
    phone: strawberry.Maybe[str | None]

    def changes(self) -> dict[str, str | None]:
        changes: dict[str, str | None] = {
            name: value.value for name in ("name", "email") if given(value := getattr(self, name))
        }
        if isinstance(self.phone, strawberry.Some):
            changes["phone"] = self.phone.value
        return changes


REVOKE_API_KEYS = (
    "Also revoke every live API key of the account. A revoked key cannot be restored (its "
    "partner tool needs a new one), so this is false by default: routine use does not cut "
    "off partner tools. The mail sent after every password change lists the keys left."
)
DISABLE_WEBHOOK_ENDPOINTS = (
    "Also turn off every webhook endpoint of the account (each can be turned back on "
    "with `enableWebhookEndpoint`). False by default, as for `revokeApiKeys`."
)


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str
    revoke_api_keys: bool = strawberry.field(default=False, description=REVOKE_API_KEYS)
    disable_webhook_endpoints: bool = strawberry.field(
        default=False, description=DISABLE_WEBHOOK_ENDPOINTS
    )


@strawberry.type(
    description="The password is changed; every other session has ended, and the API keys "
    "and webhook endpoints asked for. A mail tells the person what can still reach the "
    "account."
)
class PasswordChanged:
    sessions_ended: int = strawberry.field(description="Sessions ended, the current one kept.")
    api_keys_revoked: int = strawberry.field(
        default=0, description="Live API keys revoked (none unless `revokeApiKeys`)."
    )
    webhook_endpoints_disabled: int = strawberry.field(
        default=0,
        description="Webhook endpoints turned off (none unless `disableWebhookEndpoints`).",
    )


@strawberry.type(
    description="Every session has ended, the current one included, and the API keys and "
    "webhook endpoints asked for."
)
class SignedOutEverywhere:
    sessions_ended: int
    api_keys_revoked: int = strawberry.field(
        default=0, description="Live API keys revoked (none unless `revokeApiKeys`)."
    )
    webhook_endpoints_disabled: int = strawberry.field(
        default=0,
        description="Webhook endpoints turned off (none unless `disableWebhookEndpoints`).",
    )


@strawberry.type
class SessionRevoked:
    id: strawberry.ID = strawberry.field(description="The session that has ended.")


@strawberry.type(
    description="The same answer whether or not an account uses the address: if one "
    "does, and it is active, a link to set a new password is mailed to it."
)
class PasswordResetRequested:
    message: str


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="From the link in the password reset mail.")
    new_password: str


@strawberry.type(
    description="The password is set and every session of the account has ended; sign in "
    "with the new password."
)
class PasswordReset:
    sessions_ended: int


@strawberry.type(
    description="The address is confirmed. Whoever holds the link learns only the address "
    "it confirmed: the link needs no session, so it reveals nothing else."
)
class AddressConfirmed:
    email: str
    confirmed_at: datetime


@strawberry.type(description="A confirmation link is on its way to the account's address.")
class AddressConfirmationSent:
    email: str


RegisterResult = Annotated[
    AuthPayload | ValidationError | EmailTaken | RateLimited, strawberry.union("RegisterResult")
]
LoginResult = Annotated[
    AuthPayload | InvalidCredentials | RateLimited, strawberry.union("LoginResult")
]
UpdateProfileResult = Annotated[
    Account | ValidationError | EmailTaken | NotAuthorized | RateLimited,
    strawberry.union("UpdateProfileResult"),
]
PrivacyPreferencesResult = Annotated[
    PrivacyPreferences | NotAuthorized, strawberry.union("PrivacyPreferencesResult")
]
ChangePasswordResult = Annotated[
    PasswordChanged | ValidationError | InvalidCredentials | NotAuthorized | RateLimited,
    strawberry.union("ChangePasswordResult"),
]
SignOutEverywhereResult = Annotated[
    SignedOutEverywhere | NotAuthorized, strawberry.union("SignOutEverywhereResult")
]
RevokeSessionResult = Annotated[
    SessionRevoked | NotFound | NotAuthorized, strawberry.union("RevokeSessionResult")
]
RequestPasswordResetResult = Annotated[
    PasswordResetRequested | ValidationError | RateLimited,
    strawberry.union("RequestPasswordResetResult"),
]
ResetPasswordResult = Annotated[
    PasswordReset | InvalidToken | ValidationError, strawberry.union("ResetPasswordResult")
]
ConfirmAddressResult = Annotated[
    AddressConfirmed | InvalidToken, strawberry.union("ConfirmAddressResult")
]
ResendAddressConfirmationResult = Annotated[
    AddressConfirmationSent | AddressConfirmed | NotAuthorized | RateLimited,
    strawberry.union("ResendAddressConfirmationResult"),
]
