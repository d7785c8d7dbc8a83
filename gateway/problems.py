"""Collecting validation problems: every rule a payload breaks, each with a stable ``code``.

Every validator — consent records, rights requests, the consent and rights configs, key settings —
adds what it finds to one :class:`Problems` and raises once, so a single answer lists them all as
``{"field", "pointer", "code", "message"}``. The ``code`` of a problem is stable and
machine-readable: clients decide from it (the rights form picks its own text in the visitor's
language by code), never from the English ``message``. Messages never repeat the value sent, and
fields are named only as the schema knows them: either may be personal data or a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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

_INDEX = re.compile(r"\[(\d+)\]")

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
    """One broken rule: where (a dotted path into the payload and its JSON pointer), which rule,
    and in words; ``count`` for a problem that stands for several (unknown fields)."""

    field: str
    code: str
    message: str
    pointer: str = ""
    count: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "field": self.field,
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message,
        }
        if self.count is not None:
            out["count"] = self.count
        return out


def _segments(path: str) -> list[str]:
    """``rights_config.fields.0`` or ``origins[2]`` → its segments; ``""`` → none."""
    return [s for s in _INDEX.sub(r".\1", path).split(".") if s] if path else []


def pointer(segments: Iterable[str]) -> str:
    """RFC 6901: ``("texts", "en", "err.summary")`` → ``/texts/en/err.summary``."""
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segments)


class Problems:
    """Every problem of one payload, in the order the checks found them.

    ``prefix`` is put before each field, so a nested document's problems name their full path
    (``rights_config.types``).

    Fields are named only as the schema knows them (its field names, indices, the key's own
    category and text ids): a name the client made up may be any text, personal data included,
    and is never repeated back. Unknown names are reported by :meth:`unknown`, as a count at
    the object that holds them.
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.found: list[Problem] = []

    def add(self, field: str, code: str, message: str, *, keys: tuple[str, ...] = ()) -> None:
        """One problem at the dotted path ``field``, then ``keys``: segments taken as they are
        (text ids such as ``err.summary`` hold dots of their own)."""
        dotted = ".".join(p for p in (self.prefix, field, *keys) if p)
        segments = [*_segments(self.prefix), *_segments(field), *keys]
        self.found.append(Problem(dotted, code, message, pointer(segments)))

    def unknown(
        self, container: str, names: Iterable[object], what: str = "field", code: str = UNKNOWN
    ) -> None:
        """Names in the object at ``container`` that it may not hold: one problem, a count."""
        count = len(set(map(str, names)))
        if not count:
            return
        dotted = ".".join(p for p in (self.prefix, container) if p)
        message = f"{count} unknown {what}{'s' if count > 1 else ''}, not accepted here"
        segments = [*_segments(self.prefix), *_segments(container)]
        self.found.append(Problem(dotted, code, message, pointer(segments), count))

    def nest(self, container: str, items: Iterable[Mapping[str, Any]], code: str) -> None:
        """Another validator's problems (``items``, as :meth:`items` gives them) of the document
        at ``container``, each under ``code``; their places and counts are kept."""
        for item in items:
            field, inner = str(item.get("field", "")), str(item.get("pointer", ""))
            if not (field == container or field.startswith(container + ".")):
                field = f"{container}.{field}" if field else container
                inner = pointer(_segments(container)) + inner
            count = item.get("count")
            self.found.append(
                Problem(
                    ".".join(p for p in (self.prefix, field) if p),
                    code,
                    str(item.get("message", "")),
                    pointer(_segments(self.prefix)) + inner,
                    count if isinstance(count, int) else None,
                )
            )

    def __bool__(self) -> bool:
        return bool(self.found)

    def items(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self.found]

    def raise_if_any(self, detail: str, error: type[GatewayError] = InvalidPayload) -> None:
        """Raise ``error`` listing every problem, if there is one."""
        if not self.found:
            return
        if issubclass(error, InvalidPayload):
            raise error(detail, errors=self.items())
        raise error(detail, extra={"errors": self.items()})
