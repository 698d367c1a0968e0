from tortoise import migrations
from tortoise.migrations import operations as ops
from models.audit import AuditAction
from models.outbox import MailKind
from models.testimonials import TestimonialStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Testimonial',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('author', fields.ForeignKeyField('models.Account', source_field='author_id', db_constraint=True, to_field='id', related_name='testimonials', on_delete=OnDelete.CASCADE)),
                ('quote', fields.TextField(unique=False)),
                ('event_type', fields.CharField(max_length=100)),
                ('city', fields.CharField(max_length=100)),
                ('state', fields.CharField(max_length=100)),
                ('status', fields.CharEnumField(default=TestimonialStatus.AWAITING_CONSENT, description='AWAITING_CONSENT: AWAITING_CONSENT\nPUBLISHED: PUBLISHED\nDECLINED: DECLINED\nREMOVED: REMOVED', enum_type=TestimonialStatus, max_length=20)),
                ('consent_nonce', fields.CharField(null=True, max_length=32)),
                ('consent_expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('published_name', fields.CharField(null=True, max_length=200)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('removed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'testimonial', 'app': 'models', 'indexes': [Index(fields=['status', 'id']), Index(fields=['author_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='CONTACT_READ: CONTACT_READ\nTESTIMONIAL_REMOVED_BY_STAFF: TESTIMONIAL_REMOVED_BY_STAFF', enum_type=AuditAction, max_length=32),
        ),
        ops.AlterField(
            model_name='ConsentEvent',
            name='purpose',
            field=fields.CharField(max_length=32),
        ),
        ops.AlterField(
            model_name='OutboundEmail',
            name='kind',
            field=fields.CharEnumField(description='WELCOME: WELCOME\nNEW_INQUIRY: NEW_INQUIRY\nPROMOTION: PROMOTION\nREFERRAL: REFERRAL\nTESTIMONIAL_CONSENT: TESTIMONIAL_CONSENT\nPOLICY_NOTICE: POLICY_NOTICE', enum_type=MailKind, max_length=32),
        ),
        ops.AddField(
            model_name='PolicyVersion',
            name='purposes',
            field=fields.CharField(db_default='PROMOTIONAL_EMAILS PARTNER_PROMOTIONS CONTACT_SHARING TARGETED_ADS', max_length=400),
        ),
    ]
