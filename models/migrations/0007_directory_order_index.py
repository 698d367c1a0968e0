from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_data_rights_and_retention')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Listing',
            index=Index(fields=['in_directory', 'id']),
        ),
    ]
