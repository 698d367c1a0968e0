"""Talking to the mail server (aiosmtplib): connecting, sending one message, and
sorting its refusals into try-again-later (4xx, connection trouble) and give-up (5xx)."""

from __future__ import annotations

import aiosmtplib

from mailers.mailboxes import needs_smtputf8
from settings import Settings

CONNECTION_ERRORS = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    OSError,
)


class TemporaryFailure(Exception):
    """Try again later: the server is unreachable or answered 4xx."""


class PermanentFailure(Exception):
    """Give up: the server answered 5xx."""


def connect(settings: Settings) -> aiosmtplib.SMTP:
    """A connection to the mail server, opened by `async with`."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        timeout=settings.smtp_timeout_seconds,
        start_tls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=password,
    )


NO_SMTPUTF8 = (
    "the mail server does not support SMTPUTF8, which an address with non-ASCII "
    "characters before the @ needs"
)


async def send(smtp: aiosmtplib.SMTP, sender: str, recipient: str, message: bytes) -> None:
    # A non-ASCII address has no ASCII form (mailers/mailboxes.py): only SMTPUTF8 carries it.
    options = ["SMTPUTF8"] if needs_smtputf8(sender, recipient) else []
    try:
        await smtp.sendmail(sender, [recipient], message, mail_options=options)
    except aiosmtplib.SMTPNotSupported:
        # This server will not take it on any retry: another server would.
        raise PermanentFailure(NO_SMTPUTF8) from None
    except aiosmtplib.SMTPRecipientsRefused as error:
        refused = error.recipients[0]
        raise _classify(refused.code, refused.message) from None
    except aiosmtplib.SMTPResponseException as error:
        if isinstance(error, aiosmtplib.SMTPServerDisconnected):
            raise
        raise _classify(error.code, error.message) from None


def _classify(code: int, message: str) -> Exception:
    text = f"{code} {message}".strip()
    return PermanentFailure(text) if 500 <= code < 600 else TemporaryFailure(text)
