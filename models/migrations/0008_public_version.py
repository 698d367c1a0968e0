from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER public_{table}_{event.split()[0].lower()} AFTER {event} ON {table} "
    "BEGIN UPDATE public_version SET version = version + 1 WHERE id = 1; END"
    for table, event in [
        ("listing", "INSERT"), ("listing", "UPDATE"), ("listing", "DELETE"),
        ("testimonial", "INSERT"), ("testimonial", "UPDATE"), ("testimonial", "DELETE"),
        ("account", "UPDATE OF name, status"), ("account", "DELETE"),
    ]
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION bump_public_version() RETURNS trigger AS $$ BEGIN "
    "UPDATE public_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$ "
    "LANGUAGE plpgsql",
    "CREATE TRIGGER public_listing AFTER INSERT OR UPDATE OR DELETE ON listing "
    "FOR EACH STATEMENT EXECUTE FUNCTION bump_public_version()",
    "CREATE TRIGGER public_testimonial AFTER INSERT OR UPDATE OR DELETE ON testimonial "
    "FOR EACH STATEMENT EXECUTE FUNCTION bump_public_version()",
    "CREATE TRIGGER public_account AFTER UPDATE OF name, status OR DELETE ON account "
    "FOR EACH STATEMENT EXECUTE FUNCTION bump_public_version()",
]


async def create_triggers(apps, schema_editor) -> None:
    client = schema_editor.client
    await client.execute_query("INSERT INTO public_version (id, version) VALUES (1, 0)")
    postgres = client.capabilities.dialect == "postgres"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [('models', '0007_directory_order_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PublicVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.BigIntField(default=0)),
            ],
            options={'table': 'public_version', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(create_triggers),
    ]
