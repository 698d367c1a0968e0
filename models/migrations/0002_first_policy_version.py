"""The privacy policy in force when the site opened: every consent names a version,
so a database is never without one."""

from tortoise import migrations
from tortoise.migrations import operations as ops

FIRST_POLICY_SQL = (
    "INSERT INTO policy_version (version, summary, material_change, announced_at, effective_at) "
    "VALUES ('2013-06-14', 'The privacy policy the site opened with: contact details are shared "
    "only with bands and organizers you deal with, promotional mail only with your consent, "
    "and every choice can be withdrawn.', FALSE, '2013-06-14 00:00:00+00:00', "
    "'2013-06-14 00:00:00+00:00')"
)


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunSQL(FIRST_POLICY_SQL, "DELETE FROM policy_version WHERE version = '2013-06-14'"),
    ]
