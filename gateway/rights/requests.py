"""A rights request: strict validation of what a visitor sent, its reference and its deadline.

:func:`validate_submission` checks a decoded JSON body against a key's :class:`RightsConfig` and
collects every problem as ``{"field", "code", "message"}`` (so the form can show each next to its
field, in the visitor's language, from its ``code``) before raising one :class:`InvalidPayload`.
Messages never quote what was sent: that may be personal data, and error answers end up in logs.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import idna

from gateway import problems as rule
from gateway.delivery.envelope import Envelope, timestamp
from gateway.mail.address import MAX_ADDRESS, email_problem, idna_domain
from gateway.problems import Problems
from gateway.records.deadlines import Deadline, law_for
from gateway.rights.config import (
    LANGUAGES,
    REQUEST_TYPES,
    REQUESTER_TYPES,
    STANDARD_FIELDS,
    RightsConfig,
)

# No 0/O, 1/I/L or U: a reference read out over the phone or copied by hand stays right.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE = re.compile(r"^RR-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")
# Keys a body may carry besides the form's fields: the language it was shown in, the form token
# and the honeypot (both checked by the API before the fields are).
ENVELOPE = ("language", "form_token", "website")
# Asked only of an authorised agent (requester_type "agent"); ``email`` is then the address of
# the person they act for.
AGENT_FIELDS: dict[str, tuple[str, int]] = {
    "agent_name": ("text", 100),
    "agent_email": ("email", 254),
}
BODY_FIELDS = frozenset({"type", "custom", *ENVELOPE, *STANDARD_FIELDS, *AGENT_FIELDS})
# Bidirectional embeddings, overrides and isolates: used to disguise text, never needed in a form.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Submission:
    """What the visitor asked for, validated and normalised."""

    type: str
    email: str
    given_name: str | None = None
    family_name: str | None = None
    customer_reference: str | None = None
    requester_type: str | None = None
    message: str | None = None
    custom: tuple[tuple[str, str], ...] = ()
    language: str = "en"
    # An authorised agent's name and address, when requester_type is "agent".
    agent_name: str | None = None
    agent_email: str | None = None

    @property
    def regime(self) -> str:
        return REQUEST_TYPES[self.type]

    @property
    def by_agent(self) -> bool:
        return self.requester_type == "agent"

    def identity(self) -> dict[str, Any]:
        """Every field the visitor filled in, for the record and the duplicate check."""
        out: dict[str, Any] = {
            "type": self.type,
            "email": self.email,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "customer_reference": self.customer_reference,
            "requester_type": self.requester_type,
            "message": self.message,
            "custom": dict(self.custom),
        }
        if self.by_agent:  # absent otherwise: a person's own request reads as it always did
            out["agent_name"] = self.agent_name
            out["agent_email"] = self.agent_email
        return out


@dataclass(frozen=True)
class RightsRequest:
    """An accepted request, as written to the rights sink."""

    reference: str
    submission: Submission
    public_key: str
    account: str
    origin: str
    received_at: datetime
    respond_by: date
    # The law it is answered under (gateway.records.deadlines); empty: the type's own family.
    law: str = ""
    # False while the requester has still to confirm their address with the mailed code: the
    # records store keeps it ``unverified`` and starts its legal clock on confirmation.
    email_verified: bool = True
    # The first code's HMAC and expiry, stored with the request in the same transaction (never
    # in what the sinks are sent): see gateway.records.intake.
    code: tuple[str, datetime] | None = dataclasses.field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.law:
            object.__setattr__(self, "law", law_for(self.submission.regime, None))

    def envelope(self) -> Envelope:
        return Envelope(
            kind="rights_request",
            id=self.reference,
            received_at=timestamp(self.received_at),
            public_key=self.public_key,
            account=self.account,
            origin=self.origin,
            body=self.to_json(),
            source=self,
        )

    def to_json(self) -> dict[str, Any]:
        """The request as the rights request schema describes it."""
        return {
            "kind": "rights_request",
            "reference": self.reference,
            **self.submission.identity(),
            "regime": self.submission.regime,
            "law": self.law,
            "language": self.submission.language,
            "public_key": self.public_key,
            "account": self.account,
            "origin": self.origin,
            "received_at": self.received_at.isoformat(timespec="seconds"),
            "respond_by": self.respond_by.isoformat(),
        } | ({} if self.email_verified else {"email_verified": False})

    def answer(self) -> dict[str, str]:
        """The ``202`` body: no personal data, only what the visitor needs to follow up; with
        ``verification: pending`` when a code is on its way to the address."""
        return {
            "reference": self.reference,
            "respond_by": self.respond_by.isoformat(),
            "received_at": self.received_at.isoformat(timespec="seconds"),
        } | ({} if self.email_verified else {"verification": "pending"})


def new_reference() -> str:
    """A reference like ``RR-7KQ4-9XM2``: 8 CSPRNG characters, 30-letter alphabet (~39 bits)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"RR-{chars[:4]}-{chars[4:]}"


def respond_by(law: str, received_at: datetime) -> date:
    """The answer's deadline under ``law`` (a code of :mod:`gateway.records.deadlines`, or a
    type's family ``gdpr``/``ccpa``/``other``), the clock started on the day of receipt."""
    day = received_at.date()
    return Deadline(law, day).due(day)


def request_law(regime: str, key_default: str | None) -> str:
    """The law of a request of a type in ``regime``, from a form whose key defaults to
    ``key_default`` (see :func:`gateway.records.deadlines.law_for`)."""
    return law_for(regime, key_default)


def normalise_email(email: str) -> str:
    """The one form of an address that is limited on and stored: NFKC, the domain in IDNA
    (punycode), all lower-cased. Full-width letters, Unicode domains and letter case are how one
    address could otherwise pass for many."""
    local, _, domain = unicodedata.normalize("NFKC", email.strip()).rpartition("@")
    try:
        domain = idna_domain(domain)
    except idna.IDNAError:
        domain = domain.lower()
    return f"{local.lower()}@{domain}"


def validate_submission(data: Mapping[str, Any], config: RightsConfig) -> Submission:
    """Check ``data`` against ``config``; raises :class:`InvalidPayload` listing every problem."""
    problems = Problems()
    allowed = {"type", "custom", *ENVELOPE} | {f for f in STANDARD_FIELDS if config.enabled(f)}
    if config.enabled("requester_type"):
        allowed |= set(AGENT_FIELDS)  # checked against the requester type below
    extra = set(data) - allowed
    # A standard field this key's form does not ask for is the schema's own name: it is named.
    for name in sorted(extra & set(STANDARD_FIELDS)):
        problems.add(name, rule.UNKNOWN, "not accepted: this form does not ask for it")
    problems.unknown("", extra - set(STANDARD_FIELDS))

    values: dict[str, str | None] = {}
    type_ = data.get("type")
    if type_ in (None, ""):
        problems.add("type", rule.MISSING, "required")
    elif type_ not in config.types:
        problems.add("type", rule.NOT_AN_OPTION, "not one of the offered request types")
    for name, (kind, max_length) in STANDARD_FIELDS.items():
        if not config.enabled(name):
            continue
        value, problem = _text(data.get(name), max_length, multiline=kind == "textarea")
        if problem is None and value is None and config.required(name):
            problem = (rule.MISSING, "required")
        if problem is None and value is not None:
            if name == "email":
                # NFKC first: a full-width address is the same address, not a wrong one.
                problem = _email_problem(unicodedata.normalize("NFKC", value))
            elif name == "requester_type" and value not in REQUESTER_TYPES:
                problem = (rule.NOT_AN_OPTION, "must be self or agent")
        if problem:
            problems.add(name, *problem)
        values[name] = value

    custom = _validate_custom(data.get("custom", {}), config, problems)
    agent = _validate_agent(data, values, problems)

    language = data.get("language", config.default_language)
    if language not in LANGUAGES:
        problems.add("language", rule.NOT_AN_OPTION, f"must be one of {', '.join(LANGUAGES)}")
    problems.raise_if_any("Some fields need attention.")
    return Submission(
        type=str(type_),
        email=normalise_email(str(values["email"])),
        given_name=values.get("given_name"),
        family_name=values.get("family_name"),
        customer_reference=values.get("customer_reference"),
        requester_type=values.get("requester_type"),
        message=values.get("message"),
        custom=custom,
        language=str(language),
        agent_name=agent.get("agent_name"),
        agent_email=agent.get("agent_email"),
    )


def _validate_agent(
    data: Mapping[str, Any], values: Mapping[str, str | None], problems: Problems
) -> dict[str, str]:
    """The agent's name and address: required of an agent, refused of anyone else. The
    agent's address must differ from the data subject's: both are asked to confirm."""
    out: dict[str, str] = {}
    by_agent = values.get("requester_type") == "agent"
    for name, (kind, max_length) in AGENT_FIELDS.items():
        if not by_agent:
            if data.get(name) not in (None, ""):
                problems.add(name, rule.UNKNOWN, "only for a request made as an agent")
            continue
        value, problem = _text(data.get(name), max_length, multiline=False)
        if problem is None and value is None:
            problem = (rule.MISSING, "required of an agent")
        if problem is None and value is not None and kind == "email":
            problem = _email_problem(unicodedata.normalize("NFKC", value))
            if problem is None:
                value = normalise_email(value)
                subject = values.get("email")
                if subject is not None and normalise_email(subject) == value:
                    problem = (rule.CONFLICT, "must differ from the address of the person")
        if problem:
            problems.add(name, *problem)
        elif value is not None:
            out[name] = value
    return out


def _validate_custom(
    raw: Any, config: RightsConfig, problems: Problems
) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        problems.add("custom", rule.WRONG_TYPE, "must be an object")
        return ()
    out: list[tuple[str, str]] = []
    problems.unknown("custom", (name for name in raw if config.custom(name) is None))
    for field in config.custom_fields:
        value, problem = _text(raw.get(field.id), field.max_length, multiline=False)
        if problem is None and value is None and field.required:
            problem = (rule.MISSING, "required")
        offered = {v for v, _ in field.options}
        if problem is None and value is not None and offered and value not in offered:
            problem = (rule.NOT_AN_OPTION, "not one of the options")
        if problem:
            problems.add(f"custom.{field.id}", *problem)
        elif value is not None:
            out.append((field.id, value))
    return tuple(out)


# A problem of one value: (code, message).
Problem = tuple[str, str]


def _text(value: Any, max_length: int, *, multiline: bool) -> tuple[str | None, Problem | None]:
    """(normalised value or None when empty, problem or None)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, (rule.WRONG_TYPE, "must be text")
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    for ch in value:
        if ch in BIDI_CONTROLS or (
            unicodedata.category(ch) in ("Cc", "Cs") and not (multiline and ch in "\n\t")
        ):
            return None, (rule.CONTROL_CHARACTERS, "contains control characters")
    value = value.strip()
    if not value:
        return None, None
    if len(value) > max_length:
        return None, (rule.TOO_LONG, f"too long (at most {max_length} characters)")
    return value, None


def _email_problem(email: str) -> Problem | None:
    """The shared address rule (``gateway.mail.address``), with its code."""
    message = email_problem(email)
    if message is None:
        return None
    return (rule.TOO_LONG if len(email) > MAX_ADDRESS else rule.INVALID_EMAIL), message
