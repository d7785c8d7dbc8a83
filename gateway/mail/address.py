"""E-mail addresses: the one rule for what the gateway accepts as an address, used by the rights
form's e-mail field and by every message the gateway sends, so an address a visitor could enter
is one the gateway can write to, and nothing else is."""

from __future__ import annotations

import re

import idna

from gateway import problems as rule
from gateway.errors import InvalidPayload
from gateway.problems import Problems

MAX_ADDRESS = 254
LOCAL_PART = re.compile(r"^[\w!#$%&'*+/=?^`{|}~-]+(\.[\w!#$%&'*+/=?^`{|}~-]+)*$")
DOMAIN_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Controls (C0, DEL, C1) and Unicode line separators: anything that str.splitlines() or a mail
# program could take for a line break would let a value start a header of its own.
_CONTROL = {chr(c) for c in (*range(32), *range(0x7F, 0xA0))} | {"\u2028", "\u2029"}
# "Name <addr>", '"Name" <addr>' or a bare address; one of each, nothing after.
_SENDER = re.compile(r'^\s*(?:"?([^"<>]*?)"?\s*<([^<>\s]+)>|([^<>\s]+))\s*$')


def email_problem(email: str) -> str | None:
    """What is wrong with ``email`` as an address, or None. The wording never repeats the value
    (it is personal data, and errors end up in logs)."""
    if len(email) > MAX_ADDRESS:
        return "too long (at most 254 characters)"
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return "not an email address"
    if len(local) > 64:
        return "the part before @ is too long (at most 64 characters)"
    if not LOCAL_PART.match(local):
        return "not an email address"
    try:
        ascii_domain = idna_domain(domain)
    except idna.IDNAError:
        return "not a valid email domain"
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > 253
        or len(labels) < 2
        or not all(DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        return "not a valid email domain"
    return None


def idna_domain(domain: str) -> str:
    """``domain`` in lower case and in IDNA's ASCII form (UTS 46 mapping); raises
    ``idna.IDNAError``. Most domains are plain ASCII letters, digits and hyphens already, for
    which that form is the domain itself: those skip the library's mapping tables, its costliest
    step (``tests/mail/test_address.py`` holds the two to the same answers)."""
    lowered = domain.lower()
    if lowered.isascii() and all(
        DOMAIN_LABEL.match(label) and label[2:4] != "--" for label in lowered.split(".")
    ):
        return lowered
    return idna.encode(lowered, uts46=True).decode("ascii")


def invalid(field: str, code: str, message: str) -> InvalidPayload:
    """A malformed message: ``422 invalid_payload`` naming the field and the rule's code, never
    the value."""
    problems = Problems()
    problems.add(field, code, message)
    return InvalidPayload(message, errors=problems.items())


def has_control(value: str) -> bool:
    return any(ch in _CONTROL for ch in value)


def address(value: str, what: str = "recipient") -> str:
    """``value`` as an address to put in a header and the envelope: checked, the domain in
    ASCII (IDNA) and lower case. Raises :class:`~gateway.errors.InvalidPayload` (never quoting
    the value)."""
    if has_control(value):
        raise invalid(
            what,
            rule.CONTROL_CHARACTERS,
            f"the {what} address contains a line break or control character",
        )
    value = value.strip()
    problem = email_problem(value)
    if problem is not None:
        # The problems are worded without the value, which may be personal data.
        code = rule.TOO_LONG if len(value) > MAX_ADDRESS else rule.INVALID_EMAIL
        raise invalid(what, code, f"the {what} address: {problem}")
    local, _, domain = value.rpartition("@")
    return f"{local}@{idna_domain(domain)}"


def sender(value: str) -> tuple[str, str]:
    """A sender written ``Name <addr>`` or ``addr``, as ``(name, address)``."""
    if has_control(value):
        raise invalid(
            "sender",
            rule.CONTROL_CHARACTERS,
            "the sender contains a line break or control character",
        )
    match = _SENDER.match(value)
    if match is None:
        raise invalid(
            "sender", rule.INVALID_FORMAT, "the sender is not an address or 'Name <address>'"
        )
    name, bracketed, bare = match.groups()
    return (name or "").strip(), address(bracketed or bare, "sender")
