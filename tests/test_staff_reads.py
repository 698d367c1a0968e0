"""Staff read the outbox and the audit log through their services, which check who
asks; the fields' StaffOnly answers empty to anyone else before a service is reached."""

from __future__ import annotations

import pytest

from errors import NotAuthorizedError
from mailers.enqueue import enqueue_welcome
from models.audit import AuditAction, AuditEvent
from models.outbox import MailState
from privacy.viewer import Viewer
from services import audit
from services.outbox import outbox
from tests import factories


async def test_only_staff_read_the_outbox_whoever_calls_the_service(settings):
    # given a mail waiting for Ada
    clerk, ada = await factories.staff(), await factories.customer()
    await enqueue_welcome(ada.account)
    # when staff read the queue, they see it
    page = await outbox(
        Viewer(account=clerk.account, session_id=1),
        MailState.QUEUED,
        first=10,
        after=None,
        maximum=100,
    )
    assert [row.recipient_id for row in page.items] == [ada.account.id]
    # and anyone else, even calling the service directly, is refused
    for stranger in (
        Viewer(account=ada.account, session_id=1),
        Viewer(account=clerk.account, session_id=None, api_key_id=1),
        Viewer(),
    ):
        with pytest.raises(NotAuthorizedError):
            await outbox(stranger, MailState.QUEUED, first=10, after=None, maximum=100)


async def test_only_staff_read_the_audit_log_whoever_calls_the_service(settings):
    # given an audit event about Ada
    clerk, ada = await factories.staff(), await factories.customer()
    await AuditEvent.create(action=AuditAction.CONTACT_READ, subject_id=ada.account.id)
    # when staff read the log about her, they see it
    page = await audit.events(
        Viewer(account=clerk.account, session_id=1),
        ada.account.id,
        first=10,
        after=None,
        maximum=100,
    )
    assert [event.subject_id for event in page.items] == [ada.account.id]
    # and anyone else, Ada included, even calling the service directly, is refused
    for stranger in (
        Viewer(account=ada.account, session_id=1),
        Viewer(account=clerk.account, session_id=None, api_key_id=1),
        Viewer(),
    ):
        with pytest.raises(NotAuthorizedError):
            await audit.events(stranger, ada.account.id, first=10, after=None, maximum=100)
