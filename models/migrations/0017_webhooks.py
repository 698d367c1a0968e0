"""Webhooks (issue 16): the HTTPS endpoints partners register for their API keys (the
signing secret encrypted, since signing needs it), and the outbox of deliveries to them:
what names each event (its kind and ids, never its payload, which the worker composes
at delivery), and each delivery's attempts, for the owner's delivery log. Both go with
the owner's account (ON DELETE CASCADE)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.crypto import EncryptedTextField
from models.webhooks import DeliveryState, WebhookEvent


class Migration(migrations.Migration):
    dependencies = [('models', '0016_partner_sync')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('api_key', fields.ForeignKeyField('models.ApiKey', source_field='api_key_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=2000)),
                ('events', fields.CharField(max_length=200)),
                ('secret', EncryptedTextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled_reason', fields.CharField(null=True, max_length=300)),
                ('failures', fields.IntField(default=0)),
            ],
            options={'table': 'webhook_endpoint', 'app': 'models', 'indexes': [Index(fields=['owner_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('endpoint', fields.ForeignKeyField('models.WebhookEndpoint', source_field='endpoint_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('event', fields.CharEnumField(description='CONTACT_SHARED: CONTACT_SHARED\nSHARE_ENDED: SHARE_ENDED\nINQUIRY_RECEIVED: INQUIRY_RECEIVED', enum_type=WebhookEvent, max_length=32)),
                ('message_id', fields.CharField(unique=True, max_length=40)),
                ('share_id', fields.IntField(null=True)),
                ('inquiry_id', fields.IntField(null=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=DeliveryState.QUEUED, description='QUEUED: QUEUED\nSENDING: SENDING\nDELIVERED: DELIVERED\nFAILED: FAILED\nDROPPED: DROPPED', enum_type=DeliveryState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claim', fields.CharField(null=True, max_length=36)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(null=True, max_length=300)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_delivery', 'app': 'models', 'indexes': [Index(fields=['state', 'next_attempt_at']), Index(fields=['endpoint_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
