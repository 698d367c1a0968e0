from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import MailKind
from models.purposes import ConsentSource
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_session_activity')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ConsentEvent',
            name='source',
            field=fields.CharEnumField(description='REGISTRATION: REGISTRATION\nSETTINGS: SETTINGS\nUNSUBSCRIBE_LINK: UNSUBSCRIBE_LINK\nSTAFF_REQUEST: STAFF_REQUEST\nGLOBAL_PRIVACY_CONTROL: GLOBAL_PRIVACY_CONTROL', enum_type=ConsentSource, max_length=32),
        ),
        ops.AlterField(
            model_name='OutboundEmail',
            name='kind',
            field=fields.CharEnumField(description='WELCOME: WELCOME\nNEW_INQUIRY: NEW_INQUIRY\nPROMOTION: PROMOTION\nREFERRAL: REFERRAL\nTESTIMONIAL_CONSENT: TESTIMONIAL_CONSENT\nPOLICY_NOTICE: POLICY_NOTICE\nEMAIL_CHANGE: EMAIL_CHANGE\nEMAIL_CHANGED: EMAIL_CHANGED\nPASSWORD_RESET: PASSWORD_RESET\nADDRESS_CONFIRMATION: ADDRESS_CONFIRMATION\nPRIVACY_REQUEST_RECEIVED: PRIVACY_REQUEST_RECEIVED\nPRIVACY_REQUEST_CLOSED: PRIVACY_REQUEST_CLOSED', enum_type=MailKind, max_length=32),
        ),
    ]
