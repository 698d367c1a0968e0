"""Every staff use case asks the one rule (privacy/viewer.ensure_staff) of the account it
is given, whoever called it: a customer or a performer handed to one is refused and
nothing changes. (Through the API, resolvers refuse them before; this holds for every
other caller, a command or a future page.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from errors import NotAuthorizedError
from models.accounts import Account
from models.audit import AuditEvent
from models.purposes import Purpose
from models.retention import LegalHold
from rate_limits import RateLimits
from services import boards, privacy_requests, staff_requests
from tests import factories


def calls(settings, someone: Account, ada: Account) -> dict:
    limits = privacy_requests.Limits.of(settings)
    return {
        "change_choices": staff_requests.change_choices(
            someone, ada, {Purpose.PROMOTIONAL_EMAILS: True}, None
        ),
        "cancel_on_request": staff_requests.cancel_on_request(
            someone, ada, ip=None, retention_days=30
        ),
        "place_hold": staff_requests.place_hold(
            someone, ada, "court order", datetime.now(UTC) + timedelta(days=9)
        ),
        "lift_hold": staff_requests.lift_hold(someone, 1),
        "record_disclosure": staff_requests.record_disclosure(
            someone, ada, authority="Court", legal_reference="1/2", data_disclosed=["email"]
        ),
        "find_account_by_email": staff_requests.find_account_by_email(
            someone, ada.email, settings.secret_key
        ),
        "correct_profile": staff_requests.correct_profile(
            someone, ada, {"name": "Ada K"}, limits=RateLimits(settings), ip=None,
            request_id=None,
        ),
        "correct_listing": staff_requests.correct_listing(
            someone, "1", {"title": "Ours now"}, request_id=None
        ),
        "file_on_behalf": privacy_requests.file_on_behalf(
            someone, ada.id, limits, kind=privacy_requests.PrivacyRequestKind.ACCESS,
            message="Please", source=privacy_requests.PrivacyRequestSource.PHONE,
            received_at=None, acknowledge=True,
        ),
        "acknowledge": privacy_requests.acknowledge(someone, 1),
        "resolve": privacy_requests.resolve(someone, 1, "done", limits),
        "reject": privacy_requests.reject(someone, 1, "no", limits),
        "open_requests": privacy_requests.open_requests(someone, first=5, after=None, maximum=50),
        "remove_board_post_on_request": boards.remove_on_request(someone, "1"),
    }  # fmt: skip


@pytest.mark.parametrize("role", ["customer", "performer"])
async def test_every_staff_use_case_refuses_anyone_but_staff_and_changes_nothing(settings, role):
    # given Ada, and someone who is not staff
    ada = await factories.customer()
    someone = await getattr(factories, role)()
    pending = calls(settings, someone.account, ada.account)
    try:
        # when they are handed to each staff use case, each refuses
        for name, call in pending.items():
            with pytest.raises(NotAuthorizedError):
                await call
            pending[name] = None
    finally:
        for call in pending.values():
            if call is not None:
                call.close()
    # and nothing changed
    assert not await AuditEvent.exists()
    assert not await LegalHold.exists()
    assert (await Account.get(id=ada.account.id)).status == ada.account.status
