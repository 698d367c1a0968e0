from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import MailKind, MailState
from orjson import loads
from models.purposes import Purpose
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_contact_sharing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Promotion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('partner', fields.CharField(null=True, max_length=200)),
                ('created_by', fields.ForeignKeyField('models.Account', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('recipients', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'promotion', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboundEmail',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='WELCOME: WELCOME\nNEW_INQUIRY: NEW_INQUIRY\nPROMOTION: PROMOTION\nREFERRAL: REFERRAL', enum_type=MailKind, max_length=32)),
                ('purpose', fields.CharEnumField(null=True, description='PROMOTIONAL_EMAILS: PROMOTIONAL_EMAILS\nPARTNER_PROMOTIONS: PARTNER_PROMOTIONS\nCONTACT_SHARING: CONTACT_SHARING\nTARGETED_ADS: TARGETED_ADS', enum_type=Purpose, max_length=32)),
                ('recipient', fields.ForeignKeyField('models.Account', source_field='recipient_id', null=True, db_constraint=True, to_field='id', related_name='mail_received', on_delete=OnDelete.CASCADE)),
                ('to_address', fields.CharField(null=True, max_length=320)),
                ('to_name', fields.CharField(null=True, max_length=200)),
                ('sender', fields.ForeignKeyField('models.Account', source_field='sender_id', null=True, db_constraint=True, to_field='id', related_name='mail_sent', on_delete=OnDelete.CASCADE)),
                ('promotion', fields.ForeignKeyField('models.Promotion', source_field='promotion_id', null=True, db_constraint=True, to_field='id', related_name='mails', on_delete=OnDelete.CASCADE)),
                ('context', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('state', fields.CharEnumField(default=MailState.QUEUED, description='QUEUED: QUEUED\nSENDING: SENDING\nSENT: SENT\nFAILED: FAILED\nDROPPED: DROPPED', enum_type=MailState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claim', fields.CharField(null=True, max_length=36)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbound_email', 'app': 'models', 'indexes': [Index(fields=['state', 'next_attempt_at']), Index(fields=['sender_id', 'kind', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
