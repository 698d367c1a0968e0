"""Public question-and-answer boards on listings: a post is a question, or the one answer
to a question; each is erased with its author's account, and an answer with its question.
Triggers count the listing's revision up with every post written, changed or deleted, so
a cached public answer that showed the listing (and its board) is renewed at once; an
author's cancellation, renaming or erasure already moves the public version (0008).
The audit log gains BOARD_POST_REMOVED_BY_STAFF (a new value: the column does not change).
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.audit import AuditAction

# On SQLite the listing's own revision trigger (0010) skips an UPDATE that moved the
# revision already, so each of these counts once; on PostgreSQL it sets OLD + 1 itself.
BUMP = "UPDATE listing SET revision = revision + 1 WHERE id = {row}.listing_id;"
SQLITE = [
    f"CREATE TRIGGER board_post_insert AFTER INSERT ON board_post "
    f"BEGIN {BUMP.format(row='NEW')} END",
    f"CREATE TRIGGER board_post_delete AFTER DELETE ON board_post "
    f"BEGIN {BUMP.format(row='OLD')} END",
    f"CREATE TRIGGER board_post_update AFTER UPDATE ON board_post "
    f"BEGIN {BUMP.format(row='OLD')} "
    "UPDATE listing SET revision = revision + 1 "
    "WHERE id = NEW.listing_id AND NEW.listing_id IS NOT OLD.listing_id; END",
]
POSTGRES = [
    "CREATE FUNCTION board_post_listing_revision() RETURNS trigger AS $$ BEGIN "
    f"IF TG_OP <> 'INSERT' THEN {BUMP.format(row='OLD')} END IF; "
    "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.listing_id IS DISTINCT FROM "
    f"OLD.listing_id) THEN {BUMP.format(row='NEW')} END IF; "
    "RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER board_post_revision AFTER INSERT OR UPDATE OR DELETE ON board_post "
    "FOR EACH ROW EXECUTE FUNCTION board_post_listing_revision()",
]


async def create_triggers(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    for statement in POSTGRES if postgres else SQLITE:
        await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [('models', '0014_privacy_requests')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BoardPost',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('listing', fields.ForeignKeyField('models.Listing', source_field='listing_id', db_constraint=True, to_field='id', related_name='board_posts', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.Account', source_field='author_id', db_constraint=True, to_field='id', related_name='board_posts', on_delete=OnDelete.CASCADE)),
                ('question', fields.OneToOneField('models.BoardPost', source_field='question_id', null=True, db_constraint=True, to_field='id', related_name='answer', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'board_post', 'app': 'models', 'indexes': [Index(fields=['listing_id', 'id']), Index(fields=['author_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='CONTACT_READ: CONTACT_READ\nTESTIMONIAL_REMOVED_BY_STAFF: TESTIMONIAL_REMOVED_BY_STAFF\nLISTING_REMOVED_BY_STAFF: LISTING_REMOVED_BY_STAFF\nACCOUNT_CANCELLED_BY_STAFF: ACCOUNT_CANCELLED_BY_STAFF\nCONSENT_CHANGED_BY_STAFF: CONSENT_CHANGED_BY_STAFF\nLEGAL_HOLD_PLACED: LEGAL_HOLD_PLACED\nLEGAL_HOLD_LIFTED: LEGAL_HOLD_LIFTED\nLEGAL_DISCLOSURE: LEGAL_DISCLOSURE\nACCOUNT_ERASED: ACCOUNT_ERASED\nPASSWORD_RESET: PASSWORD_RESET\nPRIVACY_REQUEST_FILED: PRIVACY_REQUEST_FILED\nPRIVACY_REQUEST_ACKNOWLEDGED: PRIVACY_REQUEST_ACKNOWLEDGED\nPRIVACY_REQUEST_RESOLVED: PRIVACY_REQUEST_RESOLVED\nPRIVACY_REQUEST_REJECTED: PRIVACY_REQUEST_REJECTED\nACCOUNT_LOOKED_UP_BY_STAFF: ACCOUNT_LOOKED_UP_BY_STAFF\nPROFILE_CORRECTED_BY_STAFF: PROFILE_CORRECTED_BY_STAFF\nLISTING_CORRECTED_BY_STAFF: LISTING_CORRECTED_BY_STAFF\nADS_AUDIENCE_READ: ADS_AUDIENCE_READ\nBOARD_POST_REMOVED_BY_STAFF: BOARD_POST_REMOVED_BY_STAFF', enum_type=AuditAction, max_length=32),
        ),
        ops.RunPython(create_triggers),
    ]
