"""What a key's rights form offers: request types, fields, texts, and the language it speaks.

A key's stored ``rights_config`` is a small JSON object (see ``docs/rights-widget.md``).
:func:`parse_rights_config` checks it and turns it into a :class:`RightsConfig`; the admin API
calls it when a config is saved, and the widget endpoints when they serve one. Texts live here,
not in ``rights.js``, so the widget stays small and a new language needs no new JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gateway import locales
from gateway import problems as rule
from gateway.problems import Problems
from gateway.records.deadlines import LAWS
from gateway.rights.texts import TEXTS

# Request types, with the regime whose deadline applies (GDPR Art. 12(3): one month;
# CCPA/CPRA: 45 days). "other" gets the shorter, GDPR deadline.
REQUEST_TYPES: dict[str, str] = {
    "gdpr_access": "gdpr",
    "gdpr_rectification": "gdpr",
    "gdpr_erasure": "gdpr",
    "gdpr_restriction": "gdpr",
    "gdpr_portability": "gdpr",
    "gdpr_objection": "gdpr",
    "gdpr_automated_decision": "gdpr",
    "ccpa_know": "ccpa",
    "ccpa_delete": "ccpa",
    "ccpa_correct": "ccpa",
    "ccpa_opt_out": "ccpa",
    "ccpa_limit_sensitive": "ccpa",
    "other": "other",
}
DEFAULT_TYPES = tuple(t for t, regime in REQUEST_TYPES.items() if regime != "ccpa")

# Built-in fields: (kind, max length). Email is always on and always required.
STANDARD_FIELDS: dict[str, tuple[str, int]] = {
    "email": ("email", 254),
    "given_name": ("text", 100),
    "family_name": ("text", 100),
    "customer_reference": ("text", 100),
    "requester_type": ("radio", 20),
    "message": ("textarea", 5000),
}
REQUESTER_TYPES = ("self", "agent")
FIELD_MODES = ("required", "optional", "off")
DEFAULT_FIELD_MODES: dict[str, str] = {
    "email": "required",
    "given_name": "optional",
    "family_name": "optional",
    "customer_reference": "optional",
    "requester_type": "required",
    "message": "optional",
}
LANGUAGES = tuple(TEXTS)
DEFAULT_LANGUAGE = "en"
MAX_CUSTOM_FIELDS = 10
MAX_OPTIONS = 50
CUSTOM_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CUSTOM_MAX_LENGTH = 500


@dataclass(frozen=True)
class CustomField:
    """A site-defined field: free text, or a choice among ``options`` (values)."""

    id: str
    kind: str  # "text" or "select"
    required: bool
    max_length: int
    labels: Mapping[str, str]
    options: tuple[tuple[str, Mapping[str, str]], ...] = ()


@dataclass(frozen=True)
class RightsConfig:
    """A key's rights form, checked."""

    types: tuple[str, ...]
    field_modes: Mapping[str, str]
    custom_fields: tuple[CustomField, ...]
    default_language: str
    texts: Mapping[str, Mapping[str, str]]  # per-language overrides of the built-in texts
    # The key's default law (a code of gateway.records.deadlines.LAWS), None: the type's own.
    law: str | None = None
    # The site owner's privacy policy, linked next to the form's "Send request".
    privacy_policy_url: str | None = None

    def enabled(self, field: str) -> bool:
        return self.field_modes.get(field, "off") != "off"

    def required(self, field: str) -> bool:
        return self.field_modes.get(field) == "required"

    def custom(self, field_id: str) -> CustomField | None:
        return next((f for f in self.custom_fields if f.id == field_id), None)


def parse_rights_config(raw: Mapping[str, Any] | None) -> RightsConfig:
    """Check a stored rights config; raises :class:`InvalidPayload` listing every problem.

    ``None`` gives the default form: GDPR types and "other", every standard field.
    """
    raw = raw or {}
    problems = Problems(prefix="rights_config")

    known = {"types", "fields", "custom_fields", "default_language", "texts", "law"}
    known.add("privacy_policy_url")
    problems.unknown("", set(raw) - known, "setting")

    types_raw = raw.get("types", list(DEFAULT_TYPES))
    types: tuple[str, ...] = ()
    if not isinstance(types_raw, list) or not types_raw:
        problems.add("types", rule.WRONG_TYPE, "must be a non-empty list of request types")
    else:
        for t in types_raw:
            # isinstance first: a list or an object is no dict key, and `in` would raise.
            if not (isinstance(t, str) and t in REQUEST_TYPES):
                problems.add("types", rule.NOT_AN_OPTION, "not a known request type")
        types = tuple(
            dict.fromkeys(t for t in types_raw if isinstance(t, str) and t in REQUEST_TYPES)
        )

    modes = dict(DEFAULT_FIELD_MODES)
    fields_raw = raw.get("fields", {})
    if not isinstance(fields_raw, dict):
        problems.add("fields", rule.WRONG_TYPE, "must be an object of field: required|optional|off")
    else:
        problems.unknown("fields", (n for n in fields_raw if n not in STANDARD_FIELDS))
        for name, mode in fields_raw.items():
            if name in STANDARD_FIELDS and mode not in FIELD_MODES:
                problems.add(
                    f"fields.{name}", rule.NOT_AN_OPTION, "must be required, optional or off"
                )
            elif name == "email" and mode != "required":
                problems.add("fields.email", rule.CONFLICT, "email is always required")
            else:
                modes[name] = mode

    customs = _parse_custom_fields(raw.get("custom_fields", []), problems)

    default_language = raw.get("default_language", DEFAULT_LANGUAGE)
    if default_language not in LANGUAGES:
        problems.add(
            "default_language", rule.NOT_AN_OPTION, f"must be one of {', '.join(LANGUAGES)}"
        )
        default_language = DEFAULT_LANGUAGE

    texts: dict[str, dict[str, str]] = {}
    texts_raw = raw.get("texts", {})
    if not isinstance(texts_raw, dict):
        problems.add("texts", rule.WRONG_TYPE, "must be an object of language: {text id: text}")
    else:
        for lang, overrides in texts_raw.items():
            if lang not in LANGUAGES:
                problems.unknown("texts", [lang], "language")
                continue
            if not isinstance(overrides, dict):
                problems.add("texts", rule.WRONG_TYPE, "an object of text ids", keys=(lang,))
                continue
            known_ids = TEXTS[DEFAULT_LANGUAGE]
            problems.unknown(f"texts.{lang}", (t for t in overrides if t not in known_ids), "text")
            for tid, text in overrides.items():
                if tid in known_ids and not _is_label(text, 2000):
                    problems.add("texts", rule.INVALID_FORMAT, "a short text", keys=(lang, tid))
            texts[lang] = {k: v for k, v in overrides.items() if isinstance(v, str)}

    law = raw.get("law")
    if law is not None and not (isinstance(law, str) and law in LAWS):
        problems.add("law", rule.NOT_AN_OPTION, f"must be one of {', '.join(LAWS)}")
        law = None

    policy = raw.get("privacy_policy_url")
    if policy is not None and not _is_page_url(policy):
        problems.add("privacy_policy_url", rule.INVALID_FORMAT, "must be an http(s) URL")
        policy = None

    problems.raise_if_any("The rights form configuration is not valid.")
    return RightsConfig(types, modes, customs, default_language, texts, law, policy)


def _is_page_url(value: object) -> bool:
    """An absolute http(s) URL of at most 500 characters, with a host and nothing to hide."""
    if not isinstance(value, str) or len(value) > 500 or not value.isprintable() or " " in value:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.hostname) and not parts.username


def _parse_custom_fields(raw: Any, problems: Problems) -> tuple[CustomField, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_CUSTOM_FIELDS:
        problems.add(
            "custom_fields",
            rule.WRONG_TYPE,
            f"must be a list of at most {MAX_CUSTOM_FIELDS} fields",
        )
        return ()
    out: list[CustomField] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"custom_fields.{i}"
        if not isinstance(item, dict):
            problems.add(where, rule.WRONG_TYPE, "must be an object")
            continue
        fid, kind = item.get("id"), item.get("type", "text")
        if not isinstance(fid, str) or not CUSTOM_ID.match(fid) or fid in STANDARD_FIELDS:
            problems.add(
                f"{where}.id", rule.INVALID_FORMAT, "must be a new lower-case id like order_number"
            )
            continue
        if fid in seen:
            problems.add(f"{where}.id", rule.DUPLICATE, "duplicate id")
            continue
        seen.add(fid)
        if kind not in ("text", "select"):
            problems.add(f"{where}.type", rule.NOT_AN_OPTION, "must be text or select")
            continue
        labels: Any = item.get("label")
        if not _is_labels(labels):
            problems.add(
                f"{where}.label", rule.INVALID_FORMAT, "must be an object of language: label"
            )
            continue
        max_length = item.get("max_length", 200)
        if not isinstance(max_length, int) or not 1 <= max_length <= CUSTOM_MAX_LENGTH:
            problems.add(
                f"{where}.max_length",
                rule.OUT_OF_RANGE,
                f"must be between 1 and {CUSTOM_MAX_LENGTH}",
            )
            continue
        options: list[tuple[str, Mapping[str, str]]] = []
        if kind == "select":
            opts = item.get("options")
            if not isinstance(opts, list) or not 1 <= len(opts) <= MAX_OPTIONS:
                problems.add(
                    f"{where}.options",
                    rule.WRONG_TYPE,
                    f"a select needs 1 to {MAX_OPTIONS} options",
                )
                continue
            for opt in opts:
                if (
                    not isinstance(opt, dict)
                    or not _is_label(opt.get("value"), 100)
                    or not _is_labels(opt.get("label"))
                ):
                    problems.add(
                        f"{where}.options",
                        rule.INVALID_FORMAT,
                        "each option needs a value and a label object",
                    )
                    break
                options.append((opt["value"], dict(opt["label"])))
            else:
                max_length = max(len(v) for v, _ in options)
        out.append(
            CustomField(
                fid,
                kind,
                bool(item.get("required", False)),
                max_length,
                dict(labels),
                tuple(options),
            )
        )
    return tuple(out)


def _is_label(value: Any, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_length


def _is_labels(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(lang in LANGUAGES and _is_label(v, 200) for lang, v in value.items())
    )


def resolve_language(
    requested: str | None, accept_language: str | None, default: str = DEFAULT_LANGUAGE
) -> str:
    """The form's language: ``?lang=`` if we speak it, else the browser's first one we speak.

    Each tag is looked up as ``gateway.locales.negotiate`` does (``pt-BR``, ``zh-TW`` → ``zh-Hant``,
    ``fr-CA`` → ``fr``).
    """
    candidates = [requested or "", *locales.browser_languages(accept_language)]
    return locales.negotiate([c for c in candidates if c.strip()], default, among=LANGUAGES)


def _label(labels: Mapping[str, str], lang: str, default: str) -> str:
    return labels.get(lang) or labels.get(default) or next(iter(labels.values()))


def public_config(config: RightsConfig, lang: str) -> dict[str, Any]:
    """What the widget needs to render the form in ``lang`` (the form token is added by the API)."""
    texts = {**TEXTS[DEFAULT_LANGUAGE], **TEXTS[lang], **config.texts.get(lang, {})}
    fields: list[dict[str, Any]] = []
    for name, (kind, max_length) in STANDARD_FIELDS.items():
        if not config.enabled(name):
            continue
        field: dict[str, Any] = {
            "id": name,
            "kind": kind,
            "required": config.required(name),
            "max_length": max_length,
            "label": texts[f"field.{name}"],
        }
        if name == "requester_type":
            field["options"] = [
                {"value": v, "label": texts[f"requester.{v}"]} for v in REQUESTER_TYPES
            ]
        fields.append(field)
    for custom in config.custom_fields:
        field = {
            "id": custom.id,
            "kind": custom.kind,
            "required": custom.required,
            "max_length": custom.max_length,
            "label": _label(custom.labels, lang, config.default_language),
            "custom": True,
        }
        if custom.kind == "select":
            field["options"] = [
                {"value": v, "label": _label(labels, lang, config.default_language)}
                for v, labels in custom.options
            ]
        fields.append(field)
    # The type field comes first: it is the question the form is about.
    type_field = {
        "id": "type",
        "kind": "select",
        "required": True,
        "max_length": 40,
        "label": texts["field.type"],
        "options": [{"value": t, "label": texts[f"type.{t}"]} for t in config.types],
    }
    ui = {k: v for k, v in texts.items() if not k.startswith(("type.", "field.", "requester."))}
    out = {
        "language": lang,
        "dir": locales.direction(lang),
        "languages": list(LANGUAGES),
        "fields": [type_field, *fields],
        "texts": ui,
    }
    if config.privacy_policy_url is not None:
        out["privacy_policy_url"] = config.privacy_policy_url
    return out
