"""Settings, read once from the environment by pydantic-settings.

Both processes (the API and, later, the mail worker) read the same variables, so a
deployment configures them in one place.
"""

from __future__ import annotations

import functools
import os
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Literal

import phonenumbers
from cryptography.fernet import Fernet
from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from encryption import keys_from_secret

# Development makes its own secret on first start and keeps it here (git-ignored): a
# published constant would let anyone forge links and derive the phone-encryption key.
LOCAL_SECRET_FILE = ".backline-secret"  # noqa: S105 (a file name, not a secret)
SUPPORTED_DATABASE_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    app_env: Literal["development", "production"] = "development"
    database_url: str = "sqlite://backline.sqlite3"
    local_secret_file: str = LOCAL_SECRET_FILE
    # Never None once validated: development falls back to the local secret file.
    secret_key: SecretStr | None = Field(default=None, validate_default=True)
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    mail_from: str = "Backline <no-reply@backline.example>"
    # Where mail tells people to write when something was not their doing.
    support_email: str = "support@backline.example"
    # The contact point (`privacyContact`): who controls the data and how to reach them.
    privacy_controller_name: str = "Backline Example Inc."
    privacy_email: str = "privacy@backline.example"
    privacy_postal_address: str = "Backline Example Inc., 100 Example Street, Austin, TX 78701, USA"
    privacy_phone: str = "+1 512 555 0100"
    # /.well-known/security.txt (RFC 9116): a mailto:, https:// or tel: URI; Expires is
    # SECURITY_TXT_EXPIRES when set, else 180 days from today; Policy only when set.
    security_contact: str = Field(
        default="mailto:security@backline.example", pattern=r"^(mailto:|https://|tel:)\S+$"
    )
    security_txt_expires: datetime | None = None
    security_policy_url: str | None = Field(default=None, pattern=r"^https://\S+$")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_max_attempts: int = Field(default=8, ge=1, le=50)
    mail_retry_base_seconds: float = Field(default=30.0, ge=0)
    mail_batch_size: int = Field(default=50, ge=1, le=1000)
    worker_poll_seconds: float = Field(default=2.0, gt=0)
    # How long a worker's claim on a batch holds: a worker killed mid-batch leaves its
    # rows to the others after this long. Longer than one mail's SMTP timeout.
    mail_claim_seconds: float = Field(default=300.0, ge=1, le=86_400)
    # On SIGTERM the API stops accepting and lets requests in flight finish, this long at
    # most; then the request log is written and the process exits.
    graceful_shutdown_seconds: float = Field(default=30.0, gt=0, le=3600)
    referrals_per_day: int = Field(default=5, ge=0)
    # How long email a friend remembers (as keyed digests, privacy/referrals.py) that a
    # friend was invited, so that nobody invites them again meanwhile. At least a day,
    # the window of REFERRALS_PER_DAY, which is counted from the same rows.
    referral_memory_days: int = Field(default=180, ge=1, le=3650)
    retention_days: int = Field(default=30, ge=0)
    log_retention_days: int = Field(default=90, ge=1)
    # Ended shares stay in the partners' withdrawals feed this long (docs/partners.md:
    # sync at least this often); finished webhook deliveries stay in their log this long.
    withdrawal_retention_days: int = Field(default=180, ge=7, le=3650)
    webhook_delivery_log_days: int = Field(default=30, ge=1, le=3650)
    # The mail worker runs `purge` this often, once across all workers
    # (services/scheduler.py); 0 turns that off, leaving `python main.py purge` to cron.
    purge_interval_hours: int = Field(default=24, ge=0, le=24 * 7)
    # How long a password reset link works; an hour at most.
    password_reset_minutes: int = Field(default=30, ge=1, le=60)
    # Privacy requests (access, correction, deletion, objection, a question) are answered
    # within this many days of receipt; each person has at most PRIVACY_REQUESTS_OPEN_MAX
    # open at once (staff always record one received by mail, phone or post).
    privacy_request_due_days: int = Field(default=30, ge=1, le=365)
    privacy_request_max_length: int = Field(default=5000, ge=100, le=100_000)
    privacy_requests_open_max: int = Field(default=5, ge=1, le=1000)
    # API keys: the longest expiry a key may be given, and how long a rotated key's old
    # secret keeps working (by default, and at most), so a partner can deploy the new one.
    api_key_max_lifetime_days: int = Field(default=730, ge=1, le=3650)
    api_key_rotation_grace_minutes: int = Field(default=1440, ge=0, le=10_080)
    api_key_rotation_grace_max_minutes: int = Field(default=10_080, ge=0, le=43_200)
    # A post on a listing's public board (a question or an answer), in characters.
    board_post_max_length: int = Field(default=2000, ge=100, le=10_000)
    # Where a phone number written without + is from (ISO 3166 code, as libphonenumber
    # knows it): stored numbers are parsed with it into E.164, and public text is
    # searched for its national numbers (privacy/contact_details.py).
    default_phone_region: str = "US"
    # Webhooks (docs/partners.md): endpoints per account; each attempt's deadline; how
    # many attempts a delivery gets, retried with exponential backoff and jitter from
    # WEBHOOK_RETRY_BASE_SECONDS; and how many failed attempts in a row turn an endpoint
    # off (its owner is mailed).
    webhook_endpoints_max: int = Field(default=10, ge=1, le=100)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_retry_base_seconds: float = Field(default=30.0, ge=0)
    webhook_disable_after: int = Field(default=20, ge=1, le=1000)
    webhook_batch_size: int = Field(default=50, ge=1, le=1000)
    # Deliveries a webhook worker has in flight at once, at most one per endpoint: a slow
    # endpoint holds one of them, not everyone's webhooks.
    webhook_concurrency: int = Field(default=10, ge=1, le=100)
    # For tests only: endpoints on loopback (127.0.0.0/8, ::1). Refused in production.
    webhook_allow_loopback: bool = False
    # Addresses to use instead of DNS for some host names, as JSON
    # ({"partner.test": ["203.0.113.5"]}), like curl's --resolve: checked like DNS's.
    webhook_resolve: dict[str, list[str]] = Field(default_factory=dict)
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
    # Estimated objects of one answer (the product of page sizes along each path, summed),
    # checked before it runs: a full directory page with each performer's listings
    # (5,100) fits; the same page one level deeper (255,100) does not.
    max_query_cost: int = Field(default=10_000, ge=1, le=10_000_000)
    # The cap of every plain list that grows (a performer's listings, my consent history…).
    max_list_items: int = Field(default=50, ge=1, le=1000)
    document_cache_size: int = Field(default=256, ge=1, le=100_000)
    # Public anonymous responses kept per process; 0 turns the cache off.
    public_cache_entries: int = Field(default=2000, ge=0, le=1_000_000)
    # Bytes it may hold in all, so a few huge answers cannot fill memory; one answer over
    # an eighth of this is never kept.
    public_cache_max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024, le=2**40)
    allowed_origins: str = ""
    # Larger request bodies get 413 before anything reads them; 1 MiB holds any real query.
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=1_073_741_824)
    # Bearer token for /metrics; without one, /metrics is off in production.
    metrics_token: SecretStr | None = None
    # Distinct operation labels kept per process; later names count as "other".
    metrics_max_operations: int = Field(default=100, ge=1, le=10_000)
    # prometheus-client's multiprocess mode: `serve --workers N` (N > 1) keeps every
    # worker's metrics in <this folder>/<port>, emptied at start, so that one scrape sees
    # all workers. Unset: backline-prometheus in the system's temporary folder.
    prometheus_multiproc_dir: str | None = None
    redis_url: str | None = None
    rate_limit_key_prefix: str = "backline"
    # auto: readable lines in a terminal outside production, JSON lines otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    # One log line per request (method, route, operation, status, time; never the IP,
    # which only the request log holds). None: on when the lines are for a person (text).
    log_requests: bool | None = None
    # Request-log lines are written in batches, at most this long after the request.
    request_log_flush_seconds: float = Field(default=1.0, ge=0, le=60)
    rate_limit_login_per_ip: str = "30/minute;300/hour"
    # Failed logins per (account, client IP): one attacker slows only their own guesses...
    rate_limit_login_failures: str = "5/minute;20/hour"
    # ...and a much higher ceiling per account stops a distributed guesser, while the
    # owner still signs in from their own address during a slow attack.
    rate_limit_login_failures_per_account: str = "100/hour"
    rate_limit_inquiries_per_account: str = "10/hour;30/day"
    rate_limit_inquiries_per_listing: str = "2/day"
    rate_limit_register_per_ip: str = "10/hour"
    rate_limit_referral_per_ip: str = "20/day"
    rate_limit_unsubscribe_per_ip: str = "30/minute"
    rate_limit_unsubscribe_per_account: str = "10/minute"
    # Each change of address mails text the person chose to an address they chose.
    rate_limit_email_change_per_account: str = "3/hour;10/day"
    rate_limit_email_change_per_ip: str = "10/hour"
    # Wrong current passwords given to changePassword, per account (a stolen session
    # must not become a way to guess the password).
    rate_limit_password_change_failures: str = "5/hour;20/day"  # noqa: S105 (a rate)
    # Forgotten passwords: each request may mail a link. Counted per address whether or
    # not an account uses it, so that a refusal says nothing about who is registered.
    rate_limit_password_reset_per_address: str = "3/hour;10/day"  # noqa: S105 (a rate)
    rate_limit_password_reset_per_ip: str = "10/hour;50/day"  # noqa: S105 (a rate)
    # Confirmation links mailed again to the signed-in person's own address.
    rate_limit_address_confirmation_per_account: str = "3/hour;10/day"
    # Each privacy request filed mails the person and lands in staff's queue.
    rate_limit_privacy_requests_per_account: str = "3/hour;10/day"
    # Posts (questions and answers) on the public boards, per account.
    rate_limit_board_posts_per_account: str = "10/hour;50/day"
    # Webhook endpoints registered or turned back on, per account: each resolves a name.
    rate_limit_webhook_endpoints_per_account: str = "10/hour;30/day"

    @field_validator(
        "rate_limit_login_per_ip",
        "rate_limit_login_failures",
        "rate_limit_login_failures_per_account",
        "rate_limit_inquiries_per_account",
        "rate_limit_inquiries_per_listing",
        "rate_limit_register_per_ip",
        "rate_limit_referral_per_ip",
        "rate_limit_unsubscribe_per_ip",
        "rate_limit_unsubscribe_per_account",
        "rate_limit_email_change_per_account",
        "rate_limit_email_change_per_ip",
        "rate_limit_password_change_failures",
        "rate_limit_password_reset_per_address",
        "rate_limit_password_reset_per_ip",
        "rate_limit_address_confirmation_per_account",
        "rate_limit_privacy_requests_per_account",
        "rate_limit_board_posts_per_account",
        "rate_limit_webhook_endpoints_per_account",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError('must look like "5/minute;20/hour"') from None
        return value

    @field_validator("mail_claim_seconds")
    @classmethod
    def _claim_outlasts_a_mail(cls, value: float, info: ValidationInfo) -> float:
        # A batch renews its claim halfway through, before its next mail: half a claim
        # must cover one mail's wait on a slow server, or another worker sends it too.
        timeout = info.data.get("smtp_timeout_seconds")
        if timeout is not None and value < 2 * timeout:
            raise ValueError("must be at least twice SMTP_TIMEOUT_SECONDS")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (or unset)")
        return value

    @field_validator("default_phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("must be a region code libphonenumber knows, such as US or GB")
        return region

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must start with redis:// or rediss://")
        return value or None

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @field_validator("webhook_allow_loopback")
    @classmethod
    def _no_loopback_webhooks_in_production(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("app_env") == "production":
            raise ValueError("must be false when APP_ENV=production")
        return value

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
    def _real_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr:
        # app_env and local_secret_file are declared first, so they are validated here.
        production = info.data.get("app_env") == "production"
        if value is None or not value.get_secret_value():
            if production:
                raise ValueError("must be set to at least 32 bytes when APP_ENV=production")
            return SecretStr(local_secret(Path(info.data.get("local_secret_file", ""))))
        if production and len(value.get_secret_value().encode()) < 32:
            raise ValueError("must be set to at least 32 bytes when APP_ENV=production")
        return value


def local_secret(path: Path) -> str:
    """The development secret kept in `path`, made on first use. Several workers may
    start at once: the one that creates the file writes it, the others read it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            secret = path.read_text().strip()
            if secret:
                return secret
            time.sleep(0.01)  # the creator is still writing it
        raise ValueError(f"{path} is empty: delete it to make a new one") from None
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret + "\n")
    return secret


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
