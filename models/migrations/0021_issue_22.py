"""Issue 22.

The ad partner's key scope ADS_AUDIENCE is gone, with `adsAudience`: hashed email
addresses are a personal identifier the privacy policy does not describe. Every key
that held it is revoked here (a key the partner still has must stop working at once,
not when someone remembers it) and the scope leaves its list, so that no stored row
names a scope the code no longer knows. The audit events of past reads
(ADS_AUDIENCE_READ) stay: they record what left us.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# The app writes times as Python's isoformat(" "); SQLite's own clock is written the same way.
NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now')"
HAS_ADS_SCOPE = "(' ' || scopes || ' ') LIKE '% ADS_AUDIENCE %'"
WITHOUT_ADS_SCOPE = "TRIM(REPLACE(REPLACE(scopes, 'ADS_AUDIENCE ', ''), 'ADS_AUDIENCE', ''))"


async def revoke_ad_partner_keys(apps, schema_editor) -> None:
    client = schema_editor.client
    now = "now()" if client.capabilities.dialect == "postgres" else NOW_SQLITE
    await client.execute_script(
        f"UPDATE api_key SET revoked_at = COALESCE(revoked_at, {now}), "
        f"scopes = {WITHOUT_ADS_SCOPE} WHERE {HAS_ADS_SCOPE}"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0020_privacy_request_read_audit')]

    initial = False

    operations = [
        ops.RunPython(revoke_ad_partner_keys),
    ]
