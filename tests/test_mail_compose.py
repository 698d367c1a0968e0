"""The composer's table of kinds (mailers/kinds.py) is complete: every kind of mail the
outbox can hold has its function and both of its templates, so none fails at send time
for want of one."""

from __future__ import annotations

from pathlib import Path

from mailers.kinds import KINDS
from models.outbox import MailKind

TEMPLATES = Path(__file__).resolve().parent.parent / "mailers" / "templates"


def test_every_kind_of_mail_has_its_function():
    assert set(KINDS) == set(MailKind)


def test_every_kind_of_mail_has_a_text_and_an_html_template():
    for kind in MailKind:
        for suffix in ("txt", "html"):
            assert (TEMPLATES / f"{kind.value.lower()}.{suffix}").is_file(), (kind, suffix)
