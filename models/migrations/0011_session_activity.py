"""When a session was last used, and a coarse description of its client ("Firefox on
Linux"), for the list of a person's sessions that they can revoke."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0010_listing_revision')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Session',
            name='last_used_at',
            field=fields.DatetimeField(null=True),
        ),
        ops.AddField(
            model_name='Session',
            name='client',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
