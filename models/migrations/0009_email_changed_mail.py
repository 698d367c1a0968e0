from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import MailKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_public_version')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='OutboundEmail',
            name='kind',
            field=fields.CharEnumField(description='WELCOME: WELCOME\nNEW_INQUIRY: NEW_INQUIRY\nPROMOTION: PROMOTION\nREFERRAL: REFERRAL\nTESTIMONIAL_CONSENT: TESTIMONIAL_CONSENT\nPOLICY_NOTICE: POLICY_NOTICE\nEMAIL_CHANGE: EMAIL_CHANGE\nEMAIL_CHANGED: EMAIL_CHANGED', enum_type=MailKind, max_length=32),
        ),
    ]
