"""The contract's enums, wrapping the plain ones the models and privacy/ use."""

from __future__ import annotations

import strawberry

from models import accounts, api_keys, audit, outbox, purposes, testimonials

Role = strawberry.enum(accounts.Role, name="Role")
AccountStatus = strawberry.enum(accounts.AccountStatus, name="AccountStatus")
Purpose = strawberry.enum(
    purposes.Purpose,
    name="Purpose",
    description=(
        "What a person's data may be used for. Each purpose is a consent the person controls."
    ),
)
ConsentSource = strawberry.enum(purposes.ConsentSource, name="ConsentSource")
ApiScope = strawberry.enum(api_keys.ApiScope, name="ApiScope")
AuditAction = strawberry.enum(audit.AuditAction, name="AuditAction")
AccessMethod = strawberry.enum(audit.AccessMethod, name="AccessMethod")
MailKind = strawberry.enum(outbox.MailKind, name="MailKind")
MailState = strawberry.enum(outbox.MailState, name="MailState")
TestimonialStatus = strawberry.enum(testimonials.TestimonialStatus, name="TestimonialStatus")
