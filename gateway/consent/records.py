"""Consent records: strict validation of what the widget sends, and the typed record kept as proof.

The widget sends the visitor's side of the record; :func:`parse_choice` refuses
anything it does not expect — unknown fields, unknown categories or services, wrong types, sizes —
listing every problem at once. :func:`build_record` adds what only the gateway knows: record id,
key, account, origin, received time, truncated client IP and user agent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gateway import problems as rule
from gateway.clock import system_clock, utc
from gateway.consent.choice import ConsentChoice
from gateway.consent.config import ConsentConfig
from gateway.consent.record_ids import new_record_id, stable_record_id
from gateway.delivery.envelope import Envelope
from gateway.problems import Problems
from gateway.web.text import url_has_control

ACTIONS = ("accept_all", "reject_all", "custom", "withdraw")
FIELDS = frozenset(
    {
        "consent_id",
        "action",
        "categories",
        "services",
        "policy_version",
        "language",
        "gpc",
        "page_url",
        "given_at",
        "record_key",
        "config_digest",
        "variant",
    }
)
REQUIRED = ("consent_id", "action", "categories", "policy_version", "page_url")
MAX_URL = 2048
MAX_USER_AGENT = 300
# A record retried from a visitor's storage may be old, but not older than any consent lifetime.
MAX_AGE = timedelta(days=400)
MAX_CLOCK_SKEW = timedelta(days=1)

_CONSENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_VERSION = re.compile(r"[A-Za-z0-9._-]{1,40}")
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}", re.IGNORECASE)
_DIGEST = re.compile(r"[0-9a-f]{20}")


@dataclass(frozen=True)
class ConsentRecord:
    """One consent record as written to the consent sink."""

    record_id: str
    consent_id: str
    action: str
    categories: Mapping[str, bool]
    services: Mapping[str, bool]
    policy_version: str
    language: str | None
    gpc: bool
    page_url: str
    given_at: str | None
    public_key: str
    account: str
    origin: str
    received_at: str
    client_ip: str  # truncated: IPv4 /24, IPv6 /48
    user_agent: str
    config_digest: str | None = None
    variant: str | None = None  # the geo variant applied (consent.geo), never the location

    def to_json(self) -> dict[str, Any]:
        """The record as the consent record schema describes it."""
        # Field by field rather than ``asdict``, whose deep copy was a tenth of a consent POST;
        # the two maps are the only values that need a copy.
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        data["categories"] = dict(self.categories)
        data["services"] = dict(self.services)
        data["type"] = "consent"
        return data

    def envelope(self, receipt: str | None = None) -> Envelope:
        return Envelope(
            kind="consent",
            id=self.record_id,
            received_at=self.received_at,
            public_key=self.public_key,
            account=self.account,
            origin=self.origin,
            body=self.to_json(),
            receipt=receipt,
            source=self,
        )


_RECORD_FIELDS = tuple(f.name for f in fields(ConsentRecord))


def parse_choice(
    data: Mapping[str, Any], config: ConsentConfig, origin: str, now: datetime | None = None
) -> ConsentChoice:
    """Validate the widget's body against the key's config; raises ``InvalidPayload``."""
    problems = Problems()
    problems.unknown("", set(data) - FIELDS)
    for name in REQUIRED:
        if name not in data:
            problems.add(name, rule.MISSING, "required")
    consent_id = data.get("consent_id", "")
    if "consent_id" in data and not (
        isinstance(consent_id, str) and _CONSENT_ID.fullmatch(consent_id)
    ):
        problems.add(
            "consent_id", rule.INVALID_FORMAT, "8-64 characters: letters, digits, '_' or '-'"
        )
    action = data.get("action")
    if "action" in data and action not in ACTIONS:
        problems.add("action", rule.NOT_AN_OPTION, f"one of {', '.join(ACTIONS)}")
    categories = _choices(data.get("categories", {}), "categories", config.category_ids, problems)
    services = _choices(data.get("services", {}), "services", config.service_ids, problems)
    for category in config.categories:
        if category.required and categories.get(category.id) is False:
            problems.add(
                f"categories.{category.id}", rule.CONFLICT, "a required category cannot be refused"
            )
    gpc = data.get("gpc", False)
    if action == "accept_all":
        categories, services = _accept_all(config, categories, services, gpc is True, problems)
    chosen = {c.id: categories.get(c.id, c.required) for c in config.categories}
    optional_on = any(chosen[c.id] for c in config.categories if not c.required)
    if action in ("reject_all", "withdraw") and optional_on:
        problems.add("action", rule.CONFLICT, f"{action} with an optional category accepted")
    version = data.get("policy_version", "")
    if "policy_version" in data and not (isinstance(version, str) and _VERSION.fullmatch(version)):
        problems.add(
            "policy_version",
            rule.INVALID_FORMAT,
            "1-40 characters: letters, digits, '.', '_' or '-'",
        )
    language = data.get("language")
    if language is not None and not (isinstance(language, str) and _LANG.fullmatch(language)):
        problems.add("language", rule.INVALID_FORMAT, "a language tag such as 'en' or 'pt-BR'")
    if not isinstance(gpc, bool):
        problems.add("gpc", rule.WRONG_TYPE, "true or false")
    page_url = _page_url(data.get("page_url"), origin, problems)
    given_at = _given_at(data.get("given_at"), now or utc(system_clock()), problems)
    record_key = data.get("record_key")
    if record_key is not None and not (
        isinstance(record_key, str) and _CONSENT_ID.fullmatch(record_key)
    ):
        problems.add(
            "record_key", rule.INVALID_FORMAT, "8-64 characters: letters, digits, '_' or '-'"
        )
    digest = data.get("config_digest")
    if digest is not None and not (isinstance(digest, str) and _DIGEST.fullmatch(digest)):
        problems.add("config_digest", rule.INVALID_FORMAT, "20 lower-case hex digits")
    variant = data.get("variant")
    if variant is not None and not (
        isinstance(variant, str) and variant in {v.id for v in config.variants}
    ):
        problems.add("variant", rule.NOT_AN_OPTION, "the id of one of the key's geo variants")
    problems.raise_if_any("The consent record is not valid.")
    return ConsentChoice(
        consent_id=consent_id,
        action=str(action),
        categories=chosen,
        services={s: services.get(s, False) for s in sorted(config.service_ids)},
        policy_version=version,
        language=language,
        gpc=gpc,
        page_url=page_url,
        given_at=given_at,
        record_key=record_key,
        config_digest=digest,
        variant=variant,
    )


def _accept_all(
    config: ConsentConfig,
    categories: dict[str, bool],
    services: dict[str, bool],
    gpc: bool,
    problems: Problems,
) -> tuple[dict[str, bool], dict[str, bool]]:
    """``accept_all`` means every category and service on; a map saying otherwise is refused.

    The one exception is Global Privacy Control: with ``gpc`` the widget leaves the categories
    flagged ``gpc`` (sale and sharing) off when the visitor accepts all, as the signal asks.
    Categories and services left out of the map are filled in the same way.
    """
    on: dict[str, bool] = {}
    on_services: dict[str, bool] = {}
    for category in config.categories:
        expected = not (gpc and category.gpc and not category.required)
        given = categories.get(category.id)
        if given is False and expected:
            problems.add(
                f"categories.{category.id}", rule.CONFLICT, "accept_all with this category refused"
            )
        on[category.id] = expected if given is None else given
        for service in category.services:
            given_service = services.get(service.id)
            if given_service is False and on[category.id]:
                problems.add(
                    f"services.{service.id}", rule.CONFLICT, "accept_all with this service refused"
                )
            on_services[service.id] = on[category.id] if given_service is None else given_service
    return on, on_services


def _choices(value: Any, field: str, known: frozenset[str], problems: Problems) -> dict[str, bool]:
    if not isinstance(value, dict):
        problems.add(field, rule.WRONG_TYPE, "an object of ids to true or false")
        return {}
    if len(value) > 100:
        problems.add(field, rule.TOO_MANY, "at most 100 ids")
        return {}
    out = {}
    problems.unknown(field, (name for name in value if name not in known), "id for this key")
    for name, on in value.items():
        if name not in known:
            continue
        if not isinstance(on, bool):
            problems.add(f"{field}.{name}", rule.WRONG_TYPE, "true or false")
        else:
            out[name] = on
    return out


def _page_url(value: Any, origin: str, problems: Problems) -> str:
    if value is None:
        return ""  # reported as missing
    if not isinstance(value, str) or not value:
        problems.add("page_url", rule.WRONG_TYPE, "a URL")
        return ""
    if len(value) > MAX_URL:
        problems.add("page_url", rule.TOO_LONG, f"a URL of at most {MAX_URL} characters")
        return ""
    if url_has_control(value):
        problems.add("page_url", rule.CONTROL_CHARACTERS, "no spaces or control characters")
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        problems.add("page_url", rule.INVALID_FORMAT, "an http(s) URL")
        return ""
    if f"{parts.scheme}://{parts.netloc}".lower() != origin.lower():
        problems.add("page_url", rule.CONFLICT, "not a page of the calling origin")
        return ""
    # The query string and fragment may hold personal data (emails, tokens): never kept.
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", "", ""))


def _given_at(value: Any, now: datetime, problems: Problems) -> str | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) and len(value) < 40 else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        problems.add("given_at", rule.INVALID_FORMAT, "an ISO 8601 time with a time zone")
        return None
    if not now - MAX_AGE <= when <= now + MAX_CLOCK_SKEW:
        problems.add("given_at", rule.OUT_OF_RANGE, "too far in the past or the future")
        return None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_record(
    choice: ConsentChoice,
    *,
    public_key: str,
    account: str,
    origin: str,
    client_ip: str,
    user_agent: str,
    id_secret: str,
    now: float | None = None,
) -> ConsentRecord:
    at = system_clock() if now is None else now
    received = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return ConsentRecord(
        record_id=(
            stable_record_id(id_secret, public_key, choice)
            if choice.record_key
            else new_record_id(at)
        ),
        consent_id=choice.consent_id,
        action=choice.action,
        categories=dict(choice.categories),
        services=dict(choice.services),
        policy_version=choice.policy_version,
        language=choice.language,
        gpc=choice.gpc,
        page_url=choice.page_url,
        given_at=choice.given_at,
        public_key=public_key,
        account=account,
        origin=origin,
        received_at=received.replace("+00:00", "Z"),
        client_ip=client_ip,
        user_agent=user_agent[:MAX_USER_AGENT],
        config_digest=choice.config_digest,
        variant=choice.variant,
    )
