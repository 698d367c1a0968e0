"""Partners that stay in sync with consent (issue 16): each share gets a place in partners'
syncs (a number from one sync clock, and a time), taken anew whenever its owner's name,
email or phone changes while it is live; and every share that ends, whichever way,
leaves a share_ended row (the share's id and when, nothing about its owner) for the
recipient's withdrawals feed.

Database triggers keep both, in the transaction of the change, so that no code path can
forget them: revoking, withdrawing consent, cancelling, a staff correction, a confirmed
change of address, the erasure of an account (ON DELETE CASCADE) or of an inquiry.

The clock is one row. A transaction that changes a share takes it (UPDATE) and holds it
until it commits, so its numbers are handed out in commit order: a cursor that reached
number N never skips a change that commits later with a smaller one.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

TICK = "UPDATE sync_clock SET value = value + 1 WHERE id = 1;"
CLOCK = "(SELECT value FROM sync_clock WHERE id = 1)"
# The app writes times as Python's isoformat(" "); the triggers write the same shape.
NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now')"
ENDED_COLUMNS = "share_ended (seq, grant_id, recipient_id, ended_at, webhooks_queued)"
CONTACT_CHANGED_SQLITE = " OR ".join(
    f"OLD.{column} IS NOT NEW.{column}" for column in ("name", "email", "phone")
)
CONTACT_CHANGED_POSTGRES = " OR ".join(
    f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in ("name", "email", "phone")
)
# An UPDATE that names changed_at is a change of the share's details (the account
# trigger below is the one that names it); the first value, set on insert, is not.
SQLITE = [
    "CREATE TRIGGER contact_grant_shared AFTER INSERT ON contact_grant "
    f"BEGIN {TICK} UPDATE contact_grant SET change_seq = {CLOCK}, "
    "changed_at = COALESCE(NEW.changed_at, NEW.created_at) WHERE id = NEW.id; END",
    "CREATE TRIGGER contact_grant_changed AFTER UPDATE OF changed_at ON contact_grant "
    "WHEN OLD.changed_at IS NOT NULL "
    f"BEGIN {TICK} UPDATE contact_grant SET change_seq = {CLOCK} WHERE id = NEW.id; END",
    "CREATE TRIGGER account_contact_changed AFTER UPDATE OF name, email, phone ON account "
    f"WHEN {CONTACT_CHANGED_SQLITE} "
    f"BEGIN UPDATE contact_grant SET changed_at = {NOW_SQLITE} "
    "WHERE owner_id = NEW.id AND revoked_at IS NULL; END",
    "CREATE TRIGGER contact_grant_revoked AFTER UPDATE OF revoked_at ON contact_grant "
    "WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL "
    f"BEGIN {TICK} INSERT INTO {ENDED_COLUMNS} "
    f"VALUES ({CLOCK}, NEW.id, NEW.recipient_id, NEW.revoked_at, 0); END",
    # Deleted while live: with its inquiry, or with an account erased before it was
    # revoked. When the recipient's own account is the one going, there is nobody to tell.
    "CREATE TRIGGER contact_grant_deleted AFTER DELETE ON contact_grant "
    "WHEN OLD.revoked_at IS NULL "
    f"BEGIN {TICK} INSERT INTO {ENDED_COLUMNS} "
    f"SELECT {CLOCK}, OLD.id, OLD.recipient_id, {NOW_SQLITE}, 0 "
    "WHERE EXISTS (SELECT 1 FROM account WHERE id = OLD.recipient_id); END",
]
POSTGRES = [
    "CREATE FUNCTION next_sync_seq() RETURNS bigint AS $$ "
    "UPDATE sync_clock SET value = value + 1 WHERE id = 1 RETURNING value $$ LANGUAGE sql",
    "CREATE FUNCTION contact_grant_sync() RETURNS trigger AS $$ BEGIN "
    "NEW.change_seq := next_sync_seq(); "
    "IF TG_OP = 'INSERT' THEN NEW.changed_at := COALESCE(NEW.changed_at, NEW.created_at); "
    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER contact_grant_shared BEFORE INSERT ON contact_grant "
    "FOR EACH ROW EXECUTE FUNCTION contact_grant_sync()",
    "CREATE TRIGGER contact_grant_changed BEFORE UPDATE OF changed_at ON contact_grant "
    "FOR EACH ROW WHEN (OLD.changed_at IS NOT NULL) EXECUTE FUNCTION contact_grant_sync()",
    "CREATE FUNCTION account_contact_changed() RETURNS trigger AS $$ BEGIN "
    "UPDATE contact_grant SET changed_at = now() "
    "WHERE owner_id = NEW.id AND revoked_at IS NULL; RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER account_contact_changed AFTER UPDATE OF name, email, phone ON account "
    f"FOR EACH ROW WHEN ({CONTACT_CHANGED_POSTGRES}) "
    "EXECUTE FUNCTION account_contact_changed()",
    "CREATE FUNCTION contact_grant_ended() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' THEN "
    f"INSERT INTO {ENDED_COLUMNS} "
    "VALUES (next_sync_seq(), NEW.id, NEW.recipient_id, NEW.revoked_at, FALSE); "
    "ELSIF EXISTS (SELECT 1 FROM account WHERE id = OLD.recipient_id) THEN "
    f"INSERT INTO {ENDED_COLUMNS} "
    "VALUES (next_sync_seq(), OLD.id, OLD.recipient_id, now(), FALSE); "
    "END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER contact_grant_revoked AFTER UPDATE OF revoked_at ON contact_grant "
    "FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) "
    "EXECUTE FUNCTION contact_grant_ended()",
    "CREATE TRIGGER contact_grant_deleted AFTER DELETE ON contact_grant "
    "FOR EACH ROW WHEN (OLD.revoked_at IS NULL) EXECUTE FUNCTION contact_grant_ended()",
]


async def start_the_clock(apps, schema_editor) -> None:
    """Shares made before this migration take their grant's id as their number, and
    those already ended are in the feed after them (a partner deletes what it copied
    before the feed existed too); the clock goes on from there."""
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    false = "FALSE" if postgres else "0"
    await client.execute_script(
        "UPDATE contact_grant SET change_seq = id, changed_at = created_at"
    )
    await client.execute_script(
        f"INSERT INTO {ENDED_COLUMNS} "
        "SELECT (SELECT MAX(id) FROM contact_grant) + id, id, recipient_id, revoked_at, "
        f"{false} FROM contact_grant WHERE revoked_at IS NOT NULL ORDER BY id"
    )
    await client.execute_script(
        "INSERT INTO sync_clock (id, value) "
        "VALUES (1, 2 * COALESCE((SELECT MAX(id) FROM contact_grant), 0))"
    )
    for statement in POSTGRES if postgres else SQLITE:
        await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [('models', '0015_public_boards')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ShareEnded',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField()),
                ('grant_id', fields.IntField()),
                ('recipient', fields.ForeignKeyField('models.Account', source_field='recipient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('ended_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('webhooks_queued', fields.BooleanField(default=False)),
            ],
            options={'table': 'share_ended', 'app': 'models', 'indexes': [Index(fields=['recipient_id', 'seq']), Index(fields=['webhooks_queued', 'id'])], 'pk_attr': 'id', 'table_description': 'A share that ended: revoked by its owner, consent withdrawn, an account cancelled'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SyncClock',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'sync_clock', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row, one number, counted up by the triggers for each change of a share.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ContactGrant',
            name='change_seq',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ContactGrant',
            name='changed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='ContactGrant',
            index=Index(fields=['recipient_id', 'change_seq']),
        ),
        ops.RunPython(start_the_clock),
    ]
