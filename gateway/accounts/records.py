"""The typed records of the accounts package: what the store reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["owner", "admin", "viewer"]
AccountStatus = Literal["active", "suspended"]

ROLES: tuple[Role, ...] = ("viewer", "admin", "owner")  # least to most privileged


def role_at_least(role: Role, wanted: Role) -> bool:
    """Whether ``role`` grants everything ``wanted`` does."""
    return ROLES.index(role) >= ROLES.index(wanted)


@dataclass(frozen=True)
class Account:
    """An owner's account; its keys carry its ``id`` as their ``account``."""

    id: str
    name: str
    status: AccountStatus = "active"
    require_2fa: bool = False
    created_at: float = 0.0

    @property
    def active(self) -> bool:
        return self.status == "active"

    def view(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "require_2fa": self.require_2fa,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Person:
    """Someone who signs in. Secrets stay out of ``repr`` so they never reach a log line."""

    id: str
    email: str
    name: str = ""
    password_hash: str | None = field(default=None, repr=False)
    password_changed_at: float | None = None
    totp_secret: str | None = field(default=None, repr=False)  # set once enrolment is confirmed
    totp_pending: str | None = field(default=None, repr=False)  # set between enrol and confirm
    totp_last_step: int | None = None  # the newest time step a code was accepted for
    created_at: float = 0.0

    @property
    def two_factor(self) -> bool:
        return self.totp_secret is not None


@dataclass(frozen=True)
class Membership:
    person_id: str
    account_id: str
    role: Role


@dataclass(frozen=True)
class Member:
    """A membership with the person's public details, for member lists."""

    person_id: str
    email: str
    name: str
    role: Role
    two_factor: bool

    def view(self) -> dict[str, object]:
        return {
            "person_id": self.person_id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "two_factor": self.two_factor,
        }


@dataclass(frozen=True)
class Invitation:
    """An invitation to join ``account_id`` as ``role``; only the token's digest is stored."""

    id: str
    account_id: str
    email: str
    role: Role
    token_hash: str = field(repr=False)
    expires_at: float
    created_at: float = 0.0
    used_at: float | None = None
    invited_by: str | None = None
