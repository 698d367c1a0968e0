"""Issue 22.

The ad partner's key scope ADS_AUDIENCE is gone, with `adsAudience`: hashed email
addresses are a personal identifier the privacy policy does not describe. Every key
that held it is revoked here (a key the partner still has must stop working at once,
not when someone remembers it) and the scope leaves its list, so that no stored row
names a scope the code no longer knows. The audit events of past reads
(ADS_AUDIENCE_READ) stay: they record what left us.

A consent choice staff enter on a person's request names the staff member
(`consent_event.entered_by_id`) and carries no IP: the address they entered it from is
theirs, kept with their audit event (`audit_event.actor_ip`). Entries made before this
migration recorded the clerk's address as the person's: it moves to the audit event
written in the same transaction (same person, a staff consent change or cancellation,
recorded within a minute after), which also names who entered it, and leaves the
person's ledger either way.

`scheduled_job` holds when each scheduled job (the daily `purge`) is next due, so that
one of many worker processes runs it (services/scheduler.py). Its rows are made by the
scheduler on its first tick.
"""

from datetime import datetime, timedelta

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

# The app writes times as Python's isoformat(" "); SQLite's own clock is written the same way.
NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now')"
HAS_ADS_SCOPE = "(' ' || scopes || ' ') LIKE '% ADS_AUDIENCE %'"
WITHOUT_ADS_SCOPE = "TRIM(REPLACE(REPLACE(scopes, 'ADS_AUDIENCE ', ''), 'ADS_AUDIENCE', ''))"
STAFF_ACTIONS = ("CONSENT_CHANGED_BY_STAFF", "ACCOUNT_CANCELLED_BY_STAFF")
SAME_TRANSACTION = timedelta(minutes=1)


async def revoke_ad_partner_keys(apps, schema_editor) -> None:
    client = schema_editor.client
    now = "now()" if client.capabilities.dialect == "postgres" else NOW_SQLITE
    await client.execute_script(
        f"UPDATE api_key SET revoked_at = COALESCE(revoked_at, {now}), "
        f"scopes = {WITHOUT_ADS_SCOPE} WHERE {HAS_ADS_SCOPE}"
    )


def _time(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def move_staff_addresses(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"

    def sql(text: str) -> str:
        # Written with ?; PostgreSQL numbers its parameters.
        if not postgres:
            return text
        parts = text.split("?")
        return "".join(f"{part}${n}" if n < len(parts) else part for n, part in enumerate(parts, 1))

    entries = await client.execute_query_dict(
        "SELECT id, account_id, ip, recorded_at FROM consent_event "
        "WHERE source = 'STAFF_REQUEST' ORDER BY id"
    )
    actions = await client.execute_query_dict(
        "SELECT id, actor_id, subject_id, recorded_at, actor_ip FROM audit_event "
        f"WHERE action IN {STAFF_ACTIONS!r} ORDER BY id"
    )
    for entry in entries:
        at = _time(entry["recorded_at"])
        match = next(
            (
                action
                for action in actions
                if action["subject_id"] == entry["account_id"]
                and at <= _time(action["recorded_at"]) <= at + SAME_TRANSACTION
            ),
            None,
        )
        if match is not None:
            await client.execute_query(
                sql("UPDATE consent_event SET entered_by_id = ? WHERE id = ?"),
                [match["actor_id"], entry["id"]],
            )
            if entry["ip"] is not None and match["actor_ip"] is None:
                match["actor_ip"] = entry["ip"]
                await client.execute_query(
                    sql("UPDATE audit_event SET actor_ip = ? WHERE id = ?"),
                    [entry["ip"], match["id"]],
                )
    await client.execute_script("UPDATE consent_event SET ip = NULL WHERE source = 'STAFF_REQUEST'")


class Migration(migrations.Migration):
    dependencies = [('models', '0020_privacy_request_read_audit')]

    initial = False

    operations = [
        ops.RunPython(revoke_ad_partner_keys),
        ops.AddField(
            model_name='ConsentEvent',
            name='entered_by',
            field=fields.ForeignKeyField('models.Account', source_field='entered_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='actor_ip',
            field=fields.CharField(null=True, max_length=45),
        ),
        ops.RunPython(move_staff_addresses),
        ops.CreateModel(
            name='ScheduledJob',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('next_run_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=200)),
            ],
            options={'table': 'scheduled_job', 'app': 'models', 'pk_attr': 'name'},
            bases=['Model'],
        ),
    ]
