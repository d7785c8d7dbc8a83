"""Validating what an owner asks a key to be: create and update payloads (admin API and CLI).

Every rule has its own stable problem ``code`` (see ``errors.py``). All problems of a payload are
collected, so one answer lists them all (each with ``field``, ``message`` and ``code``); the
answer's own ``code`` is the first problem's, in a fixed order of checks. Messages never repeat the
submitted value: an owner may paste a secret into the wrong field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

from gateway import errors
from gateway.keys import problems as key_problems
from gateway.keys.model import LIMIT_NAMES, SCOPES, WIDGETS, ApiKey
from gateway.keys.origins import InvalidOrigin, parse_rule
from gateway.problems import Problems
from gateway.web.text import MAX_DEPTH, too_deep, tree_problems

MAX_NAME = 100
MAX_ORIGINS = 100
MAX_REDIRECT_URIS = 20
MAX_URI_LENGTH = 2000
MAX_LIMIT_LENGTH = 200
MAX_CONFIG_BYTES = 32_768
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")  # as urlsplit gives them
UPDATABLE = (
    "name",
    "origins",
    "redirect_uris",
    "widgets",
    "consent_config",
    "rights_config",
    "limits",
    "scopes",
)
CREATABLE = ("account", *UPDATABLE)
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_ERRORS: dict[str, type[errors.GatewayError]] = {
    cls.code: cls
    for cls in (
        errors.InvalidJson,
        key_problems.MissingField,
        key_problems.UnknownField,
        key_problems.InvalidFieldType,
        key_problems.ValueTooLong,
        key_problems.TooManyEntries,
        key_problems.DuplicateEntry,
        key_problems.InvalidAccount,
        errors.InvalidOriginRule,
        key_problems.InvalidRedirectUri,
        key_problems.UnknownWidget,
        key_problems.InvalidLimit,
        key_problems.InvalidWidgetConfig,
        key_problems.UnknownScope,
    )
}


@dataclass(frozen=True)
class KeyFields:
    """Validated settings of a key; only the fields in ``given`` were sent."""

    given: tuple[str, ...]
    values: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, key: ApiKey) -> ApiKey:
        return replace(key, **{name: self.values[name] for name in self.given})


def _raise_if_any(problems: Problems, detail: str) -> None:
    """The answer's own code is its first problem's."""
    if problems:
        problems.raise_if_any(detail, _ERRORS.get(problems.found[0].code, errors.InvalidPayload))


def _check_text(payload: Mapping[str, Any], problems: Problems) -> None:
    # The CLI hands payloads here without the body reader: the same text rules, checked again.
    if too_deep(payload):
        problems.add("", errors.InvalidJson.code, f"nests deeper than {MAX_DEPTH} levels")
        _raise_if_any(problems, "The settings nest too deeply.")
    for item in tree_problems(payload, CREATABLE):
        problems.add(item["field"], item["code"], item["message"])
    _raise_if_any(problems, "Some text in the settings is not valid.")


def validate_create(payload: Mapping[str, Any]) -> tuple[str, KeyFields]:
    """The account and settings of a new key; raises a problem naming every rule broken."""
    problems = Problems()
    _check_text(payload, problems)
    for name in ("account", "name", "origins"):
        if name not in payload:
            problems.add(name, "missing_field", "required")
    account = payload.get("account")
    if "account" in payload and (
        not isinstance(account, str) or _ACCOUNT.fullmatch(account) is None
    ):
        problems.add(
            "account", "invalid_account", "1-100 characters: letters, digits, '.', '_', ':' or '-'"
        )
    fields = _check_fields(payload, CREATABLE, problems)
    _raise_if_any(problems, "The key cannot be created as described.")
    assert isinstance(account, str)
    return account, fields


def validate_update(payload: Mapping[str, Any]) -> KeyFields:
    """The settings to change on an existing key (at least one)."""
    problems = Problems()
    _check_text(payload, problems)
    if not payload:
        problems.add("", "missing_field", f"send at least one of {', '.join(UPDATABLE)}")
    fields = _check_fields(payload, UPDATABLE, problems)
    _raise_if_any(problems, "The key cannot be changed as described.")
    return fields


MAX_GRACE = 30 * 86_400


def validate_roll(payload: Mapping[str, Any], default: float) -> float:
    """The grace period of a roll: ``{"grace_seconds": 0…2592000}``, or ``default``."""
    grace = payload.get("grace_seconds", default)
    unknown = set(payload) - {"grace_seconds"}
    if unknown or type(grace) not in (int, float) or not 0 <= grace <= MAX_GRACE:
        raise key_problems.InvalidGracePeriod(
            "grace_seconds must be a number of seconds from 0 to 2592000 (30 days)",
            errors=[
                {
                    "field": "grace_seconds",
                    "message": "0 to 2592000",
                    "code": "invalid_grace_period",
                }
            ],
        )
    return float(grace)


def _check_fields(
    payload: Mapping[str, Any], allowed: tuple[str, ...], problems: Problems
) -> KeyFields:
    problems.unknown("", (name for name in payload if name not in allowed), "setting")
    checks: dict[str, Callable[[Any, Problems], Any]] = {
        "name": _name,
        "origins": _origins,
        "redirect_uris": _redirect_uris,
        "widgets": _widgets,
        "limits": _limits,
        "scopes": _scopes,
        "consent_config": lambda v, p: _config("consent_config", v, p),
        "rights_config": lambda v, p: _config("rights_config", v, p),
    }
    values: dict[str, Any] = {}
    for name, check in checks.items():
        if name in payload:
            values[name] = check(payload[name], problems)
    return KeyFields(tuple(values), values)


def _name(value: Any, problems: Problems) -> str:
    if not isinstance(value, str):
        problems.add("name", "invalid_field_type", "a string")
        return ""
    text = value.strip()
    if not text:
        problems.add("name", "missing_field", "must not be empty")
    elif len(text) > MAX_NAME:
        problems.add("name", "value_too_long", f"at most {MAX_NAME} characters")
    elif _CONTROL.search(text):
        problems.add("name", "invalid_field_type", "no control characters")
    return text


def _string_list(name: str, value: Any, most: int, problems: Problems) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(name, "invalid_field_type", "a list of strings")
        return None
    if len(value) > most:
        problems.add(name, "too_many_entries", f"at most {most} entries")
        return None
    return value


def _origins(value: Any, problems: Problems) -> tuple[str, ...]:
    entries = _string_list("origins", value, MAX_ORIGINS, problems)
    rules: list[str] = []
    for i, entry in enumerate(entries or ()):
        try:
            rule = str(parse_rule(entry))
        except InvalidOrigin as exc:
            problems.add(f"origins[{i}]", "invalid_origin_rule", f"invalid origin: {exc}")
            continue
        if rule in rules:
            problems.add(f"origins[{i}]", "duplicate_entry", "the same origin is listed twice")
        rules.append(rule)
    return tuple(dict.fromkeys(rules))


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a redirect URI, or None: absolute https (http only on loopback)."""
    if len(uri) > MAX_URI_LENGTH:
        return f"at most {MAX_URI_LENGTH} characters"
    if _CONTROL.search(uri) or " " in uri:
        return "no spaces or control characters"
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "not a valid URL"
    if not host:
        return "an absolute URL with a host, e.g. https://shop.example/callback"
    if parts.username is not None or parts.password is not None:
        return "no user name or password in the URL"
    if parts.fragment:
        return "no #fragment"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        return None
    return "must use https (http only for localhost, 127.0.0.1 or [::1])"


def _redirect_uris(value: Any, problems: Problems) -> tuple[str, ...]:
    entries = _string_list("redirect_uris", value, MAX_REDIRECT_URIS, problems)
    seen: list[str] = []
    for i, entry in enumerate(entries or ()):
        entry = entry.strip()
        problem = redirect_uri_problem(entry)
        if problem is not None:
            code = "value_too_long" if len(entry) > MAX_URI_LENGTH else "invalid_redirect_uri"
            problems.add(f"redirect_uris[{i}]", code, problem)
            continue
        parts = urlsplit(entry)
        normal = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
        if normal in seen:
            problems.add(f"redirect_uris[{i}]", "duplicate_entry", "the same URL is listed twice")
        seen.append(normal)
    return tuple(dict.fromkeys(seen))


def _widgets(value: Any, problems: Problems) -> tuple[str, ...]:
    entries = _string_list("widgets", value, len(WIDGETS) * 2, problems)
    found: list[str] = []
    for i, entry in enumerate(entries or ()):
        if entry not in WIDGETS:
            problems.add(f"widgets[{i}]", "unknown_widget", f"one of {', '.join(WIDGETS)}")
        elif entry in found:
            problems.add(f"widgets[{i}]", "duplicate_entry", "the same widget is listed twice")
        else:
            found.append(entry)
    return tuple(found)


def _scopes(value: Any, problems: Problems) -> tuple[str, ...]:
    entries = _string_list("scopes", value, len(SCOPES) * 2, problems)
    found: list[str] = []
    for i, entry in enumerate(entries or ()):
        if entry not in SCOPES:
            problems.add(f"scopes[{i}]", "unknown_scope", f"one of {', '.join(SCOPES)}")
        elif entry in found:
            problems.add(f"scopes[{i}]", "duplicate_entry", "the same scope is listed twice")
        else:
            found.append(entry)
    return tuple(found)


def _limits(value: Any, problems: Problems) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.add("limits", "invalid_field_type", "an object of limit name: limit")
        return {}
    out: dict[str, str] = {}
    unknown = [name for name in value if name not in LIMIT_NAMES]
    problems.unknown("limits", unknown, f"limit (one of {', '.join(LIMIT_NAMES)})", "invalid_limit")
    for name, limit in value.items():
        where = f"limits.{name}"
        if name not in LIMIT_NAMES:
            continue
        if limit is None or limit == "":
            continue  # no override: the gateway's setting applies
        elif not isinstance(limit, str) or len(limit) > MAX_LIMIT_LENGTH:
            problems.add(where, "invalid_limit", 'a limit like "10/minute;100/hour"')
        else:
            try:
                parse_many(limit)
            except ValueError:
                problems.add(where, "invalid_limit", 'a limit like "10/minute;100/hour"')
            else:
                out[name] = limit
    return out


def _config(name: str, value: Any, problems: Problems) -> dict[str, Any] | None:
    if value is None:
        return None  # back to the widget's defaults
    if not isinstance(value, dict):
        problems.add(name, "invalid_field_type", "an object, or null for the defaults")
        return None
    if len(json.dumps(value, separators=(",", ":"))) > MAX_CONFIG_BYTES:
        problems.add(name, "value_too_long", f"at most {MAX_CONFIG_BYTES} bytes of JSON")
        return None
    validator = _config_validator(name)
    if validator is not None:
        try:
            validator(value)
        except errors.InvalidPayload as exc:
            problems.nest(
                name, exc.errors or [{"field": "", "message": exc.detail}], "invalid_widget_config"
            )
    return value


def _config_validator(name: str) -> Callable[[Mapping[str, Any]], object] | None:
    """The widget's own config validator (each widget owns its config schema)."""
    if name == "consent_config":
        from gateway.consent.config import parse_config

        return parse_config
    from gateway.rights.config import parse_rights_config

    return parse_rights_config
