"""A bad setting stops start-up with one line that names it."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from settings import DEVELOPMENT_SECRET_KEY, BadSetting, load_settings


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"),
        ({"SMTP_PORT": "seventy"}, "SMTP_PORT"),
        ({"PUBLIC_URL": "backline.example"}, "PUBLIC_URL"),
        ({"APP_ENV": "production"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "k" * 32}, "ENCRYPTION_KEYS"),
        ({"ENCRYPTION_KEYS": "not-a-fernet-key"}, "ENCRYPTION_KEYS"),
        ({"RETENTION_DAYS": "-1"}, "RETENTION_DAYS"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(monkeypatch, environment, named):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(BadSetting) as stopped:
        load_settings()
    message = str(stopped.value)
    assert message.startswith(f"backline: bad setting {named}:")
    assert "\n" not in message


def test_production_starts_with_a_real_secret_and_encryption_keys(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    settings = load_settings()
    assert settings.is_production
    assert settings.database_url == "sqlite://backline.sqlite3"
