"""Collecting validation problems: every rule a payload breaks, each with a stable ``code``.

Every validator — consent records, rights requests, the consent and rights configs, key settings —
adds what it finds to one :class:`Problems` and raises once, so a single answer lists them all as
``{"field", "code", "message"}``. The ``code`` of a problem is stable and machine-readable: clients
decide from it (the rights form picks its own text in the visitor's language by code), never from
the English ``message``. Messages never repeat the value sent: it may be personal data or a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.errors import GatewayError, InvalidPayload

# The per-field codes (docs/errors.md). Key settings add their own: invalid_account,
# invalid_origin_rule, invalid_redirect_uri, unknown_widget, unknown_scope, invalid_limit,
# invalid_widget_config.
MISSING = "missing_field"  # required, and absent or empty
UNKNOWN = "unknown_field"  # not a field (or id, or text) this payload may hold
WRONG_TYPE = "invalid_field_type"  # the wrong JSON type, or text holding what text may not
TOO_LONG = "value_too_long"
TOO_MANY = "too_many_entries"
DUPLICATE = "duplicate_entry"
NOT_AN_OPTION = "not_an_option"  # not one of the values offered
INVALID_FORMAT = "invalid_format"  # text that does not have the field's form (ids, tags, URLs…)
INVALID_EMAIL = "invalid_email"
CONTROL_CHARACTERS = "control_characters"  # C0/C1 controls, lone surrogates, bidi overrides
OUT_OF_RANGE = "out_of_range"  # a number or a time outside its bounds
CONFLICT = "conflicting_value"  # contradicts another part of the request

FIELD_CODES = (
    MISSING,
    UNKNOWN,
    WRONG_TYPE,
    TOO_LONG,
    TOO_MANY,
    DUPLICATE,
    NOT_AN_OPTION,
    INVALID_FORMAT,
    INVALID_EMAIL,
    CONTROL_CHARACTERS,
    OUT_OF_RANGE,
    CONFLICT,
)


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (a dotted path into the payload), which rule, and in words."""

    field: str
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class Problems:
    """Every problem of one payload, in the order the checks found them.

    ``prefix`` is put before each field, so a nested document's problems name their full path
    (``rights_config.types``).
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.found: list[Problem] = []

    def add(self, field: str, code: str, message: str) -> None:
        where = f"{self.prefix}.{field}" if self.prefix and field else self.prefix or field
        self.found.append(Problem(where, code, message))

    def __bool__(self) -> bool:
        return bool(self.found)

    def items(self) -> list[dict[str, str]]:
        return [p.to_json() for p in self.found]

    def raise_if_any(self, detail: str, error: type[GatewayError] = InvalidPayload) -> None:
        """Raise ``error`` listing every problem, if there is one."""
        if not self.found:
            return
        if issubclass(error, InvalidPayload):
            raise error(detail, errors=self.items())
        raise error(detail, extra={"errors": self.items()})
