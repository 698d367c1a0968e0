"""Issue 22, items 5 and 6. PASSWORD_CHANGED joins the kinds of mail: after every change
of password the person is told what can still reach the account. `referral_memory`
keeps keyed digests (never the address) of the friends invited by email a friend, so
that a friend is invited once; erased with the sender's account and by `purge` after
REFERRAL_MEMORY_DAYS."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import MailKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0021_issue_22')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReferralMemory',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sender', fields.ForeignKeyField('models.Account', source_field='sender_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('sender_digest', fields.CharField(unique=True, max_length=64)),
                ('friend_digest', fields.CharField(null=True, unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'referral_memory', 'app': 'models', 'indexes': [Index(fields=['sender_id', 'created_at']), Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'One invitation a person asked for, whether or not a mail went out for it.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='OutboundEmail',
            name='kind',
            field=fields.CharEnumField(description='WELCOME: WELCOME\nNEW_INQUIRY: NEW_INQUIRY\nPROMOTION: PROMOTION\nREFERRAL: REFERRAL\nTESTIMONIAL_CONSENT: TESTIMONIAL_CONSENT\nPOLICY_NOTICE: POLICY_NOTICE\nEMAIL_CHANGE: EMAIL_CHANGE\nEMAIL_CHANGED: EMAIL_CHANGED\nPASSWORD_RESET: PASSWORD_RESET\nADDRESS_CONFIRMATION: ADDRESS_CONFIRMATION\nPRIVACY_REQUEST_RECEIVED: PRIVACY_REQUEST_RECEIVED\nPRIVACY_REQUEST_CLOSED: PRIVACY_REQUEST_CLOSED\nWEBHOOK_DISABLED: WEBHOOK_DISABLED\nPASSWORD_CHANGED: PASSWORD_CHANGED', enum_type=MailKind, max_length=32),
        ),
    ]
