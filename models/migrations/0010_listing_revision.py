"""A listing's own change counter, so that editing one listing no longer empties the whole
public cache: the global public version now moves only when a change can alter which
listings a page holds (a listing added, deleted, moved to another category, city or
state, in or out of the directory, or given to another owner), and any other change
moves only that listing's revision."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

# What decides whether a listing is on a page at all, or where.
PLACEMENT = ("category", "city", "state", "in_directory", "owner_id")
MOVED_SQLITE = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in PLACEMENT)
MOVED_POSTGRES = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in PLACEMENT)

SQLITE = [
    "DROP TRIGGER public_listing_update",
    "CREATE TRIGGER public_listing_moved AFTER UPDATE ON listing "
    f"WHEN {MOVED_SQLITE} "
    "BEGIN UPDATE public_version SET version = version + 1 WHERE id = 1; END",
    # The guard keeps the trigger's own UPDATE from counting again.
    "CREATE TRIGGER listing_revision AFTER UPDATE ON listing "
    "WHEN NEW.revision = OLD.revision "
    "BEGIN UPDATE listing SET revision = revision + 1 WHERE id = NEW.id; END",
]
POSTGRES = [
    "DROP TRIGGER public_listing ON listing",
    "CREATE TRIGGER public_listing AFTER INSERT OR DELETE ON listing "
    "FOR EACH STATEMENT EXECUTE FUNCTION bump_public_version()",
    "CREATE TRIGGER public_listing_moved AFTER UPDATE ON listing FOR EACH ROW "
    f"WHEN ({MOVED_POSTGRES}) EXECUTE FUNCTION bump_public_version()",
    "CREATE FUNCTION count_listing_revision() RETURNS trigger AS $$ BEGIN "
    "NEW.revision := OLD.revision + 1; RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER listing_revision BEFORE UPDATE ON listing FOR EACH ROW "
    "EXECUTE FUNCTION count_listing_revision()",
]


async def replace_triggers(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    for statement in POSTGRES if postgres else SQLITE:
        await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [('models', '0009_email_changed_mail')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Listing',
            name='revision',
            field=fields.IntField(default=0),
        ),
        ops.RunPython(replace_triggers),
    ]
