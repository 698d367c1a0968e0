"""A bad setting stops start-up with one line that names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from settings import BadSetting, Settings, load_settings


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"),
        ({"SMTP_PORT": "seventy"}, "SMTP_PORT"),
        ({"PUBLIC_URL": "backline.example"}, "PUBLIC_URL"),
        ({"APP_ENV": "production"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "k" * 32}, "ENCRYPTION_KEYS"),
        ({"ENCRYPTION_KEYS": "not-a-fernet-key"}, "ENCRYPTION_KEYS"),
        ({"RETENTION_DAYS": "-1"}, "RETENTION_DAYS"),
        ({"DEFAULT_PHONE_REGION": "XX"}, "DEFAULT_PHONE_REGION"),
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


def test_development_makes_its_own_secret_once_and_keeps_it_private(monkeypatch, tmp_path):
    # given a fresh checkout with no SECRET_KEY set
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    # when the API starts, and starts again
    first = load_settings().secret_key.get_secret_value()
    again = load_settings().secret_key.get_secret_value()
    # then it made a long random secret once, readable by its owner only
    secret_file = tmp_path / ".backline-secret"
    assert first == again == secret_file.read_text().strip()
    assert len(first) >= 48
    assert secret_file.stat().st_mode & 0o777 == 0o600
    # and another checkout gets another secret: no key is shared or published
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_settings().secret_key.get_secret_value() != first


def test_the_local_secret_file_is_ignored_by_git():
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().split()
    assert ".backline-secret" in ignored


def test_production_never_falls_back_to_a_local_secret(tmp_path):
    # given a development secret lying in the folder
    (tmp_path / ".backline-secret").write_text("x" * 64)
    # when production starts without SECRET_KEY
    with pytest.raises(ValueError, match="secret_key"):
        Settings(
            app_env="production",
            local_secret_file=str(tmp_path / ".backline-secret"),
            encryption_keys=Fernet.generate_key().decode(),
        )
