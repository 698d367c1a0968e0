"""Settings, read once from the environment by pydantic-settings.

Both processes (the API and, later, the mail worker) read the same variables, so a
deployment configures them in one place.
"""

from __future__ import annotations

import functools
from typing import Literal

from cryptography.fernet import Fernet
from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.crypto import keys_from_secret

# Only good enough for a laptop: production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "backline-development-secret-key-not-for-production"  # noqa: S105
SUPPORTED_DATABASE_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    app_env: Literal["development", "production"] = "development"
    database_url: str = "sqlite://backline.sqlite3"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    mail_from: str = "Backline <no-reply@backline.example>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_max_attempts: int = Field(default=8, ge=1, le=50)
    mail_retry_base_seconds: float = Field(default=30.0, ge=0)
    mail_batch_size: int = Field(default=50, ge=1, le=1000)
    worker_poll_seconds: float = Field(default=2.0, gt=0)
    referrals_per_day: int = Field(default=5, ge=0)
    retention_days: int = Field(default=30, ge=0)
    log_retention_days: int = Field(default=90, ge=1)
    # Comma-separated Fernet keys; the first encrypts, all decrypt (key rotation).
    encryption_keys: SecretStr | None = Field(default=None, validate_default=True)

    def fernet_keys(self) -> list[str]:
        if self.encryption_keys is None:
            return keys_from_secret(self.secret_key.get_secret_value())
        return [key.strip() for key in self.encryption_keys.get_secret_value().split(",")]

    session_days: int = Field(default=30, ge=1, le=365)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    max_query_depth: int = Field(default=10, ge=2, le=100)
    max_aliases: int = Field(default=30, ge=1, le=1000)
    max_tokens: int = Field(default=2000, ge=100, le=100_000)
    max_directives: int = Field(default=20, ge=0, le=1000)
    document_cache_size: int = Field(default=256, ge=1, le=100_000)
    # Public anonymous responses kept per process; 0 turns the cache off.
    public_cache_entries: int = Field(default=2000, ge=0, le=1_000_000)
    allowed_origins: str = ""
    redis_url: str | None = None
    rate_limit_key_prefix: str = "backline"
    log_format: Literal["json", "text"] = "json"
    # Request-log lines are written in batches, at most this long after the request.
    request_log_flush_seconds: float = Field(default=1.0, ge=0, le=60)
    rate_limit_login_per_ip: str = "30/minute;300/hour"
    rate_limit_login_failures: str = "5/minute;20/hour"
    rate_limit_register_per_ip: str = "10/hour"
    rate_limit_referral_per_ip: str = "20/day"
    rate_limit_unsubscribe_per_ip: str = "30/minute"
    rate_limit_unsubscribe_per_account: str = "10/minute"

    @field_validator(
        "rate_limit_login_per_ip",
        "rate_limit_login_failures",
        "rate_limit_register_per_ip",
        "rate_limit_referral_per_ip",
        "rate_limit_unsubscribe_per_ip",
        "rate_limit_unsubscribe_per_account",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError('must look like "5/minute;20/hour"') from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must start with redis:// or rediss://")
        return value or None

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(SUPPORTED_DATABASE_SCHEMES):
            raise ValueError(f"must start with one of {', '.join(SUPPORTED_DATABASE_SCHEMES)}")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _valid_fernet_keys(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("app_env") == "production":
                raise ValueError(
                    "must be set (comma-separated Fernet keys) when APP_ENV=production"
                )
            return None
        for key in value.get_secret_value().split(","):
            try:
                Fernet(key.strip())
            except ValueError:
                raise ValueError("each key must be a Fernet key (Fernet.generate_key())") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _real_secret_in_production(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        # app_env is declared first, so it is already validated here.
        if info.data.get("app_env") == "production":
            key = value.get_secret_value()
            if key == DEVELOPMENT_SECRET_KEY or len(key.encode()) < 32:
                raise ValueError("must be set to at least 32 bytes when APP_ENV=production")
        return value


class BadSetting(SystemExit):
    """Start-up stops with one line that names the setting at fault."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "_".join(str(part) for part in first["loc"]).upper()
        message = first["msg"].removeprefix("Value error, ")
        raise BadSetting(f"backline: bad setting {name}: {message}") from None


@functools.cache
def get_settings() -> Settings:
    return load_settings()
