from tortoise import migrations
from tortoise.migrations import operations as ops
from models.audit import AuditAction
from models.crypto import EncryptedTextField
from models.outbox import MailKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_testimonials_and_policy_purposes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LegalHold',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='legal_holds', on_delete=OnDelete.CASCADE)),
                ('reason', fields.TextField(unique=False)),
                ('placed_by', fields.ForeignKeyField('models.Account', source_field='placed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('placed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lifted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'legal_hold', 'app': 'models', 'indexes': [Index(fields=['account_id', 'lifted_at'])], 'pk_attr': 'id', 'table_description': 'While a hold is active the account is not erased, and legal disclosures about'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RequestLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('ip', fields.CharField(null=True, max_length=45)),
                ('user_agent', fields.CharField(null=True, max_length=300)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='request_logs', on_delete=OnDelete.CASCADE)),
                ('method', fields.CharField(max_length=10)),
                ('path', fields.CharField(max_length=200)),
                ('operation', fields.CharField(null=True, max_length=100)),
                ('status', fields.IntField(null=True)),
            ],
            options={'table': 'request_log', 'app': 'models', 'indexes': [Index(fields=['occurred_at']), Index(fields=['account_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One HTTP request: when, from where, by whom, which operation. Never a body, a'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Account',
            name='phone',
            field=EncryptedTextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Account',
            name='pending_email',
            field=fields.CharField(null=True, max_length=320),
        ),
        ops.AddField(
            model_name='Account',
            name='pending_email_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Account',
            name='pending_email_nonce',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='CONTACT_READ: CONTACT_READ\nTESTIMONIAL_REMOVED_BY_STAFF: TESTIMONIAL_REMOVED_BY_STAFF\nLISTING_REMOVED_BY_STAFF: LISTING_REMOVED_BY_STAFF\nACCOUNT_CANCELLED_BY_STAFF: ACCOUNT_CANCELLED_BY_STAFF\nCONSENT_CHANGED_BY_STAFF: CONSENT_CHANGED_BY_STAFF\nLEGAL_HOLD_PLACED: LEGAL_HOLD_PLACED\nLEGAL_HOLD_LIFTED: LEGAL_HOLD_LIFTED\nLEGAL_DISCLOSURE: LEGAL_DISCLOSURE\nACCOUNT_ERASED: ACCOUNT_ERASED', enum_type=AuditAction, max_length=32),
        ),
        ops.AlterField(
            model_name='OutboundEmail',
            name='kind',
            field=fields.CharEnumField(description='WELCOME: WELCOME\nNEW_INQUIRY: NEW_INQUIRY\nPROMOTION: PROMOTION\nREFERRAL: REFERRAL\nTESTIMONIAL_CONSENT: TESTIMONIAL_CONSENT\nPOLICY_NOTICE: POLICY_NOTICE\nEMAIL_CHANGE: EMAIL_CHANGE', enum_type=MailKind, max_length=32),
        ),
    ]
