"""API keys gain an optional expiry, a last-used time, and rotation: the replaced
secret's hash and until when it still works."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0017_webhooks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiKey',
            name='expires_at',
            field=fields.DatetimeField(null=True),
        ),
        ops.AddField(
            model_name='ApiKey',
            name='last_used_at',
            field=fields.DatetimeField(null=True),
        ),
        ops.AddField(
            model_name='ApiKey',
            name='previous_token_hash',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddField(
            model_name='ApiKey',
            name='previous_token_expires_at',
            field=fields.DatetimeField(null=True),
        ),
    ]
