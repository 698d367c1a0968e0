from tortoise import migrations
from tortoise.migrations import operations as ops
from models.audit import AccessMethod, AuditAction
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_first_policy_version')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('scopes', fields.CharField(max_length=200)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_key', 'app': 'models', 'indexes': [Index(fields=['owner_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('action', fields.CharEnumField(description='CONTACT_READ: CONTACT_READ', enum_type=AuditAction, max_length=32)),
                ('actor', fields.ForeignKeyField('models.Account', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('subject', fields.ForeignKeyField('models.Account', source_field='subject_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('via', fields.CharEnumField(null=True, description='SESSION: SESSION\nAPI_KEY: API_KEY', enum_type=AccessMethod, max_length=16)),
                ('api_key_id', fields.IntField(null=True)),
                ('grant_id', fields.IntField(null=True)),
                ('detail', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'indexes': [Index(fields=['subject_id', 'id']), Index(fields=['actor_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingInquiry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Account', source_field='customer_id', db_constraint=True, to_field='id', related_name='inquiries_sent', on_delete=OnDelete.CASCADE)),
                ('listing', fields.ForeignKeyField('models.Listing', source_field='listing_id', db_constraint=True, to_field='id', related_name='inquiries', on_delete=OnDelete.CASCADE)),
                ('performer', fields.ForeignKeyField('models.Account', source_field='performer_id', db_constraint=True, to_field='id', related_name='inquiries_received', on_delete=OnDelete.CASCADE)),
                ('event_date', fields.CharField(max_length=10)),
                ('event_type', fields.CharField(max_length=100)),
                ('message', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'booking_inquiry', 'app': 'models', 'indexes': [Index(fields=['performer_id', 'id']), Index(fields=['customer_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', db_constraint=True, to_field='id', related_name='grants_given', on_delete=OnDelete.CASCADE)),
                ('recipient', fields.ForeignKeyField('models.Account', source_field='recipient_id', db_constraint=True, to_field='id', related_name='grants_received', on_delete=OnDelete.CASCADE)),
                ('inquiry', fields.ForeignKeyField('models.BookingInquiry', source_field='inquiry_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'contact_grant', 'app': 'models', 'indexes': [Index(fields=['recipient_id', 'id']), Index(fields=['owner_id', 'id'])], 'pk_attr': 'id', 'table_description': "The owner's contact details may be read by the recipient, while in force"},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='PrivacyPreferences',
            options={'table': 'privacy_preferences', 'app': 'models', 'pk_attr': 'account_id', 'table_description': 'The current choices (ConsentEvent keeps how they came to be).'},
        ),
    ]
