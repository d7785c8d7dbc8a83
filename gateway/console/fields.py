"""Reading the fields of a console request body: typed, bounded, with one error per problem."""

from __future__ import annotations

from typing import Any, cast

from gateway.accounts.errors import InvalidRole
from gateway.accounts.records import ROLES, Role
from gateway.keys.problems import InvalidFieldType, MissingField, UnknownField
from gateway.problems import Problems

MAX_TEXT = 1024


def check_fields(body: dict[str, Any], allowed: set[str]) -> None:
    # Made-up names are counted, never repeated back (see gateway.problems).
    problems = Problems()
    problems.unknown("", set(body) - allowed - {"csrf_token"})
    problems.raise_if_any("unknown field", UnknownField)


def text(body: dict[str, Any], name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise MissingField(
                f"{name} is required",
                errors=[{"field": name, "message": "required", "code": "missing_field"}],
            )
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidFieldType(
            f"{name} must be text of at most {limit} characters",
            errors=[{"field": name, "message": "text", "code": "invalid_field_type"}],
        )
    return value


def flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise InvalidFieldType(
            f"{name} must be true or false",
            errors=[{"field": name, "message": "true or false", "code": "invalid_field_type"}],
        )
    return value


def role(body: dict[str, Any], name: str = "role") -> Role:
    value = body.get(name)
    if value not in ROLES:
        raise InvalidRole(
            "role must be owner, admin or viewer",
            errors=[{"field": name, "message": "owner, admin or viewer", "code": "invalid_role"}],
        )
    return cast(Role, value)
