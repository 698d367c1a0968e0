"""Privacy requests (access, correction, deletion, objection, a question): a reference,
the person (erased with their account), how it reached us, the message, its status,
when it was received and is due, acknowledged and closed, and by which staff member;
and the audit actions of their moves and of staff's lookups and corrections."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.audit import AuditAction
from models.privacy_requests import PrivacyRequestKind, PrivacyRequestSource, PrivacyRequestStatus


class Migration(migrations.Migration):
    dependencies = [('models', '0013_address_confirmation_and_password_reset')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PrivacyRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=16)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='privacy_requests', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='ACCESS: ACCESS\nCORRECTION: CORRECTION\nDELETION: DELETION\nOBJECTION: OBJECTION\nQUESTION: QUESTION', enum_type=PrivacyRequestKind, max_length=16)),
                ('source', fields.CharEnumField(description='SELF_SERVICE: SELF_SERVICE\nEMAIL: EMAIL\nPHONE: PHONE\nPOST: POST', enum_type=PrivacyRequestSource, max_length=16)),
                ('message', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=PrivacyRequestStatus.RECEIVED, description='RECEIVED: RECEIVED\nACKNOWLEDGED: ACKNOWLEDGED\nRESOLVED: RESOLVED\nREJECTED: REJECTED', enum_type=PrivacyRequestStatus, max_length=16)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('filed_by', fields.ForeignKeyField('models.Account', source_field='filed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('closed_by', fields.ForeignKeyField('models.Account', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'privacy_request', 'app': 'models', 'indexes': [Index(fields=['account_id', 'id']), Index(fields=['status', 'due_at', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='CONTACT_READ: CONTACT_READ\nTESTIMONIAL_REMOVED_BY_STAFF: TESTIMONIAL_REMOVED_BY_STAFF\nLISTING_REMOVED_BY_STAFF: LISTING_REMOVED_BY_STAFF\nACCOUNT_CANCELLED_BY_STAFF: ACCOUNT_CANCELLED_BY_STAFF\nCONSENT_CHANGED_BY_STAFF: CONSENT_CHANGED_BY_STAFF\nLEGAL_HOLD_PLACED: LEGAL_HOLD_PLACED\nLEGAL_HOLD_LIFTED: LEGAL_HOLD_LIFTED\nLEGAL_DISCLOSURE: LEGAL_DISCLOSURE\nACCOUNT_ERASED: ACCOUNT_ERASED\nPASSWORD_RESET: PASSWORD_RESET\nPRIVACY_REQUEST_FILED: PRIVACY_REQUEST_FILED\nPRIVACY_REQUEST_ACKNOWLEDGED: PRIVACY_REQUEST_ACKNOWLEDGED\nPRIVACY_REQUEST_RESOLVED: PRIVACY_REQUEST_RESOLVED\nPRIVACY_REQUEST_REJECTED: PRIVACY_REQUEST_REJECTED\nACCOUNT_LOOKED_UP_BY_STAFF: ACCOUNT_LOOKED_UP_BY_STAFF\nPROFILE_CORRECTED_BY_STAFF: PROFILE_CORRECTED_BY_STAFF\nLISTING_CORRECTED_BY_STAFF: LISTING_CORRECTED_BY_STAFF', enum_type=AuditAction, max_length=32),
        ),
    ]
