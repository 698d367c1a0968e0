"""Staff read the audit log about a person: who read their contact details, what staff
did on their behalf, what was disclosed."""

from __future__ import annotations

from models.audit import AuditEvent, events_about
from models.pagination import Page
from privacy.viewer import Viewer


async def events(
    viewer: Viewer, subject_id: int | None, *, first: int, after: str | None, maximum: int
) -> Page[AuditEvent]:
    """Staff only: the events about one person, newest first."""
    viewer.require_staff()
    return await events_about(subject_id, first=first, after=after, maximum=maximum)
