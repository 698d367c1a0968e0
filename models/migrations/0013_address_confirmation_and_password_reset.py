"""Double opt-in and the forgotten password.

`account.email_confirmed_at` is set once a link mailed to the current address is used;
promotional and partner mail waits for it (privacy/address_confirmation.py).
`account.email_confirmation_nonce` names the current round of confirmation links.
`account.password_reset_digest` holds only the SHA-256 of the latest reset link's nonce
with the password hash it was asked under (privacy/password_reset.py). The audit log
gains PASSWORD_RESET.

Accounts that exist already stay unconfirmed (every new column is NULL): nobody ever
proved that their address is theirs, and promotions to an address whose owner never
asked for them are what double opt-in prevents. Their consent choices are untouched;
promotions resume once they confirm (`resendAddressConfirmation`, or any link mailed
to the address: a password reset or a change of address). docs/privacy.md gives the
reasons.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.audit import AuditAction


class Migration(migrations.Migration):
    dependencies = [("models", "0012_issue_15_mail_kinds_and_gpc")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Account",
            name="email_confirmed_at",
            field=fields.DatetimeField(null=True),
        ),
        ops.AddField(
            model_name="Account",
            name="email_confirmation_nonce",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name="Account",
            name="password_reset_digest",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AlterField(
            model_name="AuditEvent",
            name="action",
            field=fields.CharEnumField(
                description=(
                    "CONTACT_READ: CONTACT_READ\n"
                    "TESTIMONIAL_REMOVED_BY_STAFF: TESTIMONIAL_REMOVED_BY_STAFF\n"
                    "LISTING_REMOVED_BY_STAFF: LISTING_REMOVED_BY_STAFF\n"
                    "ACCOUNT_CANCELLED_BY_STAFF: ACCOUNT_CANCELLED_BY_STAFF\n"
                    "CONSENT_CHANGED_BY_STAFF: CONSENT_CHANGED_BY_STAFF\n"
                    "LEGAL_HOLD_PLACED: LEGAL_HOLD_PLACED\n"
                    "LEGAL_HOLD_LIFTED: LEGAL_HOLD_LIFTED\n"
                    "LEGAL_DISCLOSURE: LEGAL_DISCLOSURE\n"
                    "ACCOUNT_ERASED: ACCOUNT_ERASED\n"
                    "PASSWORD_RESET: PASSWORD_RESET"
                ),
                enum_type=AuditAction,
                max_length=32,
            ),
        ),
    ]
