"""Composing a mail from its outbox row, just before it is sent: the addressing, the
templates (templates/<kind>.txt and .html) and the MIME. What each kind says is in
mailers/kinds.py."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mailers.kinds import KINDS
from mailers.mailboxes import mailbox, needs_smtputf8, to_header
from models.outbox import OutboundEmail
from models.tokens import LinkSigner
from settings import Settings

templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass
class Composed:
    to_address: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def message_id(row: OutboundEmail, settings: Settings) -> str:
    """Stable across retries, so a receiver can drop a mail it already has."""
    domain = urlsplit(settings.public_url).hostname or "backline.invalid"
    return f"<outbox.{row.id}.{int(row.created_at.timestamp())}@{domain}>"


def render(template: str, **context: Any) -> tuple[str, str]:
    return (
        templates.get_template(f"{template}.txt").render(**context),
        templates.get_template(f"{template}.html").render(**context),
    )


async def compose(row: OutboundEmail, settings: Settings, links: LinkSigner) -> Composed:
    """`row` comes with its recipient, sender and promotion loaded. What the mail says
    is its kind's (mailers/kinds.py); MailObsolete when there is nothing left to say."""
    content = await KINDS[row.kind](row, settings, links)
    if content.to is None:
        # Mail about a change of address goes to the address concerned (row.to_address):
        # the new one to confirm it, the old one to be told it was replaced.
        recipient = row.recipient
        name, to_address = recipient.name, row.to_address or recipient.email
        variables = {"name": recipient.name} | content.variables
    else:
        (name, to_address), variables = content.to, content.variables
    text, html = render(
        row.kind.value.lower(),
        subject=content.subject,
        public_url=settings.public_url,
        unsubscribe_url=content.unsubscribe_url,
        **variables,
    )
    to_address = mailbox(to_address)
    return Composed(
        to_address=to_address,
        to=to_header(name, to_address),
        subject=content.subject,
        text=text,
        html=html,
        headers=content.headers,
    )


# Long headers stay on one line (RFC 5322 allows 998 characters), so that a
# List-Unsubscribe URL is never split across lines.
UNFOLDED = compat32.clone(max_line_length=998, linesep="\r\n")
# A mail to a UTF-8 address carries it as raw UTF-8 (mailers/mailboxes.to_header).
UNFOLDED_UTF8 = UNFOLDED.clone(cte_type="8bit")


def as_bytes(composed: Composed, row: OutboundEmail, settings: Settings) -> bytes:
    """The classic MIME classes (policy compat32) are several times faster to build and
    flatten than EmailMessage, which matters at promotion volume."""
    message = MIMEMultipart("alternative")
    message["From"] = settings.mail_from
    message["To"] = composed.to
    message["Subject"] = Header(composed.subject, "utf-8").encode()
    message["Message-ID"] = message_id(row, settings)
    for name, value in composed.headers.items():
        message[name] = value
    message.attach(MIMEText(composed.text, "plain", "utf-8"))
    message.attach(MIMEText(composed.html, "html", "utf-8"))
    with io.BytesIO() as buffer:
        utf8 = needs_smtputf8(composed.to_address)
        BytesGenerator(buffer, policy=UNFOLDED_UTF8 if utf8 else UNFOLDED).flatten(message)
        return buffer.getvalue()
