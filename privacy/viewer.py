"""Who is asking: the signed-in account (if any) and how they proved it."""

from __future__ import annotations

from dataclasses import dataclass

from errors import NotAuthorizedError
from models.accounts import Account, Role
from models.api_keys import ApiScope


@dataclass(frozen=True)
class Viewer:
    """An API key acts for its owner, but only within its scopes: it reads what the
    scopes name and never changes data or reads the owner's private fields."""

    account: Account | None = None
    session_id: int | None = None
    api_key_id: int | None = None
    scopes: frozenset[ApiScope] = frozenset()
    ip: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.account is None

    @property
    def person(self) -> Account | None:
        """The account acting through its own session: who `me` is. An API key is not
        its owner's `me` (it would otherwise read the owner's private fields), so a key,
        like an anonymous caller, is None here."""
        return self.account if self.session_id is not None else None

    def require_account(self) -> Account:
        """A person acting through their own session."""
        if self.person is None:
            raise NotAuthorizedError("Sign in first.")
        return self.person

    @property
    def is_staff(self) -> bool:
        """Signed in, through a session (never a key), as staff."""
        return self.person is not None and self.person.role == Role.STAFF

    def require_staff(self) -> Account:
        return ensure_staff(self.require_account())

    def account_for(self, scope: ApiScope) -> Account | None:
        """The account a read of `scope` is for: a session's, or a key's that holds
        the scope. None for anonymous callers; a key without it is refused."""
        if self.account is None:
            return None
        if self.session_id is None and scope not in self.scopes:
            raise NotAuthorizedError(f"This API key does not have the {scope} scope.")
        return self.account


def ensure_staff(account: Account) -> Account:
    """The one rule of who acts as staff: every staff use case asks it of the account it
    is given, whatever already asked before calling it."""
    if account.role != Role.STAFF:
        raise NotAuthorizedError("Only staff can do this.")
    return account
