"""Issue 22, item 5. PASSWORD_CHANGED joins the kinds of mail: after every change of
password the person is told what can still reach the account."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import MailKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0020_privacy_request_read_audit')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='OutboundEmail',
            name='kind',
            field=fields.CharEnumField(description='WELCOME: WELCOME\nNEW_INQUIRY: NEW_INQUIRY\nPROMOTION: PROMOTION\nREFERRAL: REFERRAL\nTESTIMONIAL_CONSENT: TESTIMONIAL_CONSENT\nPOLICY_NOTICE: POLICY_NOTICE\nEMAIL_CHANGE: EMAIL_CHANGE\nEMAIL_CHANGED: EMAIL_CHANGED\nPASSWORD_RESET: PASSWORD_RESET\nADDRESS_CONFIRMATION: ADDRESS_CONFIRMATION\nPRIVACY_REQUEST_RECEIVED: PRIVACY_REQUEST_RECEIVED\nPRIVACY_REQUEST_CLOSED: PRIVACY_REQUEST_CLOSED\nWEBHOOK_DISABLED: WEBHOOK_DISABLED\nPASSWORD_CHANGED: PASSWORD_CHANGED', enum_type=MailKind, max_length=32),
        ),
    ]
