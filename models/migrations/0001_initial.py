from tortoise import migrations
from tortoise.migrations import operations as ops
from models.accounts import AccountStatus, Role
from models.purposes import ConsentSource, Purpose
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='PolicyVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.CharField(unique=True, max_length=40)),
                ('summary', fields.TextField(unique=False)),
                ('material_change', fields.BooleanField(default=False)),
                ('announced_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('effective_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'policy_version', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('email', fields.CharField(unique=True, max_length=320)),
                ('password_hash', fields.CharField(max_length=200)),
                ('phone', fields.CharField(null=True, max_length=40)),
                ('role', fields.CharEnumField(description='CUSTOMER: CUSTOMER\nPERFORMER: PERFORMER\nSTAFF: STAFF', enum_type=Role, max_length=16)),
                ('status', fields.CharEnumField(default=AccountStatus.ACTIVE, description='ACTIVE: ACTIVE\nCANCELLED: CANCELLED', enum_type=AccountStatus, max_length=16)),
                ('policy_version', fields.ForeignKeyField('models.PolicyVersion', source_field='policy_version_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConsentEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='consent_events', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='PROMOTIONAL_EMAILS: PROMOTIONAL_EMAILS\nPARTNER_PROMOTIONS: PARTNER_PROMOTIONS\nCONTACT_SHARING: CONTACT_SHARING\nTARGETED_ADS: TARGETED_ADS', enum_type=Purpose, max_length=32)),
                ('granted', fields.BooleanField()),
                ('source', fields.CharEnumField(description='REGISTRATION: REGISTRATION\nSETTINGS: SETTINGS\nUNSUBSCRIBE_LINK: UNSUBSCRIBE_LINK\nSTAFF_REQUEST: STAFF_REQUEST', enum_type=ConsentSource, max_length=32)),
                ('policy_version', fields.ForeignKeyField('models.PolicyVersion', source_field='policy_version_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('ip', fields.CharField(null=True, max_length=45)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'consent_event', 'app': 'models', 'indexes': [Index(fields=['account_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Append-only: a row is never updated, and only erased with its account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Listing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', db_constraint=True, to_field='id', related_name='listings', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=120)),
                ('category', fields.CharField(max_length=40)),
                ('city', fields.CharField(max_length=100)),
                ('state', fields.CharField(max_length=100)),
                ('description', fields.TextField(unique=False)),
                ('in_directory', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'listing', 'app': 'models', 'indexes': [Index(fields=['in_directory', 'category', 'id']), Index(fields=['owner_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrivacyPreferences',
            fields=[
                ('account', fields.OneToOneField('models.Account', source_field='account_id', primary_key=True, db_index=True, db_constraint=True, to_field='id', related_name='preferences', on_delete=OnDelete.CASCADE)),
                ('promotional_emails', fields.BooleanField()),
                ('partner_promotions', fields.BooleanField()),
                ('contact_sharing', fields.BooleanField()),
                ('targeted_ads', fields.BooleanField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'privacy_preferences', 'app': 'models', 'pk_attr': 'account_id', 'table_description': 'The current choices (ConsentEvent keeps how they came to be).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'session', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
