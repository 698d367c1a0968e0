"""Who is asking: the signed-in account (if any) and how they proved it."""

from __future__ import annotations

from dataclasses import dataclass

from errors import NotAuthorizedError
from models.accounts import Account, Role


@dataclass(frozen=True)
class Viewer:
    account: Account | None = None
    session_id: int | None = None
    ip: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.account is None

    def require_account(self) -> Account:
        """A person acting through their own session."""
        if self.account is None or self.session_id is None:
            raise NotAuthorizedError("Sign in first.")
        return self.account

    def require_staff(self) -> Account:
        account = self.require_account()
        if account.role != Role.STAFF:
            raise NotAuthorizedError("Only staff can do this.")
        return account
