"""Origins: parsing, normalisation and matching against a key's allow list.

Both sides of a comparison are parsed and normalised the same way before they meet: scheme
(``http``/``https`` only, lower case), host (lower-case ASCII; an IDN becomes punycode; IPv4 in
dotted-quad form; IPv6 bracketed and compressed like a browser serialises it) and port (``None``
when it is the scheme's default). A rule is an exact origin or a wildcard ``https://*.example.com``,
which matches subdomains of any depth but never ``example.com`` itself. ``docs/origins.md`` records
every choice made where the design is silent (trailing dots, trailing slash, ``localhost``, ...).

The hot path is :meth:`AllowList.allows`: a browser sends the origin already serialised, so a hit is
one set lookup on the header value; only a miss is parsed.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import idna

from gateway.errors import InvalidOriginRule

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}

# Longest serialised origin is "https://" + 253-character host + ":65535" (267 characters); an
# input much longer than that is refused before any parsing work. A rule may be written in
# Unicode, so its input limit is looser than the header's.
MAX_ORIGIN_LENGTH = 300
MAX_RULE_LENGTH = 1000
MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63
MEMO_SIZE = 256

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_PORT = re.compile(r"[0-9]{1,5}")
_IPV4_PART = re.compile(r"0|[1-9][0-9]{0,2}")
_HEX_NUMBER = re.compile(r"0x[0-9a-f]*")
# Characters that make a value something other than a bare origin: path, query, fragment,
# userinfo, percent-encoding and the backslash that browsers read as a slash.
_NOT_IN_AUTHORITY = {
    "/": "a path",
    "?": "a query",
    "#": "a fragment",
    "@": "userinfo",
    "%": "percent-encoding",
    "\\": "a backslash",
}


class InvalidOrigin(ValueError):
    """A value is not a valid origin or rule. The message says why and never repeats the value."""


@dataclass(frozen=True, slots=True)
class Origin:
    """A normalised origin. ``host`` is as serialised (IPv6 literals keep their brackets)."""

    scheme: str
    host: str
    port: int | None

    def serialize(self) -> str:
        """The origin as a browser sends it, e.g. ``https://example.com``."""
        if self.port is None:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.serialize()


@dataclass(frozen=True, slots=True)
class OriginRule:
    """One allow-list entry. With ``wildcard``, ``host`` is the base the subdomains are under."""

    scheme: str
    host: str
    port: int | None
    wildcard: bool

    def matches(self, origin: Origin) -> bool:
        if origin.scheme != self.scheme or origin.port != self.port:
            return False
        if not self.wildcard:
            return origin.host == self.host
        # Both hosts are normalised, so a suffix of "." + base is at least one whole label more
        # than the base: "a.example.com" matches, "example.com" and "evil-example.com" do not.
        return origin.host.endswith("." + self.host)

    def __str__(self) -> str:
        host = "*." + self.host if self.wildcard else self.host
        return Origin(self.scheme, host, self.port).serialize()


def parse_origin(value: str) -> Origin:
    """Parse an ``Origin`` header value; anything a browser would not send raises InvalidOrigin."""
    if len(value) > MAX_ORIGIN_LENGTH:
        raise InvalidOrigin(f"longer than {MAX_ORIGIN_LENGTH} characters")
    if value == "null":
        raise InvalidOrigin("'null' is an opaque origin and matches nothing")
    scheme, host, port = _split(value)
    return Origin(scheme, _normalise_host(host), port)


def parse_rule(value: str) -> OriginRule:
    """Parse an allow-list entry as it is saved, with a reason a site owner can act on.

    Surrounding whitespace and one trailing ``/`` (as copied from an address bar) are dropped; a
    ``*`` is accepted only as the whole leftmost label over a base of at least two labels.
    """
    value = value.strip()
    if len(value) > MAX_RULE_LENGTH:
        raise InvalidOrigin(f"longer than {MAX_RULE_LENGTH} characters")
    if value.endswith("/") and not value.endswith("//"):
        value = value[:-1]
    scheme, host, port = _split(value)
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    if "*" in host:
        raise InvalidOrigin("'*' is allowed only as the whole leftmost label, as in *.example.com")
    host = _normalise_host(host)
    if wildcard:
        if host.startswith("[") or host.rpartition(".")[2].isdigit():
            raise InvalidOrigin("a wildcard cannot stand over an IP address")
        if "." not in host:
            raise InvalidOrigin(
                "a wildcard needs a base of at least two labels, as in *.example.com"
            )
    return OriginRule(scheme, host, port, wildcard)


def normalise_rules(values: Iterable[str]) -> tuple[str, ...]:
    """Normalise a key's allow list for storage, dropping duplicates and keeping the order.

    Raises :class:`InvalidOriginRule` (a 422 problem) naming the position of the first bad entry.
    """
    seen: dict[str, None] = {}
    for index, value in enumerate(values):
        try:
            seen.setdefault(str(parse_rule(value)), None)
        except InvalidOrigin as error:
            raise InvalidOriginRule(f"origins[{index}]: {error}") from None
    return tuple(seen)


class AllowList:
    """A key's allowed origins, built once per key and asked on every request."""

    __slots__ = ("_exact", "_memo", "_rules", "_wildcards")

    def __init__(self, rules: Iterable[OriginRule]) -> None:
        self._rules = tuple(rules)
        self._exact = frozenset(str(r) for r in self._rules if not r.wildcard)
        wildcards: dict[tuple[str, int | None], list[str]] = {}
        for rule in self._rules:
            if rule.wildcard:
                wildcards.setdefault((rule.scheme, rule.port), []).append("." + rule.host)
        self._wildcards = {k: tuple(v) for k, v in wildcards.items()}
        # Answers for headers that missed the exact set (wildcard hits, refusals), so a site on a
        # wildcard rule pays for parsing once, not on every request. Bounded: cleared when full,
        # so a stream of made-up origins costs memory for at most MEMO_SIZE of them.
        self._memo: dict[str, bool] = {}

    @classmethod
    def from_strings(cls, rules: Iterable[str]) -> AllowList:
        """An allow list from stored rules. An entry that no longer parses matches nothing.

        Rules are validated when saved (:func:`normalise_rules`); skipping a bad one here, rather
        than raising, keeps a hand-edited or older store from turning every request into an error.
        """
        parsed: list[OriginRule] = []
        skipped = 0
        for value in rules:
            try:
                parsed.append(parse_rule(value))
            except InvalidOrigin:
                skipped += 1
        if skipped:
            log.warning("ignored %d stored origin rule(s) that are not valid origins", skipped)
        return cls(parsed)

    @property
    def rules(self) -> tuple[OriginRule, ...]:
        return self._rules

    def __iter__(self) -> Iterator[OriginRule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"AllowList({[str(r) for r in self._rules]!r})"

    def allows(self, origin_header: str | None) -> bool:
        """Whether a request carrying this ``Origin`` header value may use the key."""
        if origin_header is None:
            return False
        # A browser serialises origins exactly as rules are stored, so this is the common case.
        if origin_header in self._exact:
            return True
        answer = self._memo.get(origin_header)
        if answer is None:
            answer = self._match(origin_header)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[origin_header] = answer
        return answer

    def _match(self, origin_header: str) -> bool:
        try:
            origin = parse_origin(origin_header)
        except InvalidOrigin:
            return False
        # Browsers send the canonical serialisation and nothing else. A spelling that only
        # normalises to it (upper case, ":0443", a Unicode host) comes from a script, and would
        # be echoed back in Access-Control-Allow-Origin as written: refused.
        if origin.serialize() != origin_header:
            return False
        if origin_header in self._exact:
            return True
        suffixes = self._wildcards.get((origin.scheme, origin.port), ())
        return any(origin.host.endswith(s) for s in suffixes)


# --- parsing helpers -----------------------------------------------------------------------------


def _split(value: str) -> tuple[str, str, int | None]:
    """Split ``scheme://host[:port]`` into its parts; the host is not normalised yet."""
    if any(c.isspace() or not c.isprintable() for c in value):
        raise InvalidOrigin("contains whitespace or control characters")
    scheme, sep, rest = value.partition("://")
    if not sep:
        raise InvalidOrigin("must start with http:// or https://")
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidOrigin("scheme must be http or https")
    for char, what in _NOT_IN_AUTHORITY.items():
        if char in rest:
            raise InvalidOrigin(f"an origin cannot contain {what}")
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            raise InvalidOrigin("unclosed '[' in an IPv6 address")
        host, after = rest[: close + 1], rest[close + 1 :]
        if after and not after.startswith(":"):
            raise InvalidOrigin("unexpected characters after an IPv6 address")
        port_text = after[1:] if after else None
    else:
        if "[" in rest or "]" in rest:
            raise InvalidOrigin("'[' and ']' may only enclose a whole IPv6 address")
        host, colon, port_text_or_empty = rest.partition(":")
        port_text = port_text_or_empty if colon else None
    return scheme, host, _parse_port(port_text, scheme)


def _parse_port(text: str | None, scheme: str) -> int | None:
    if text is None:
        return None
    if not _PORT.fullmatch(text):
        raise InvalidOrigin("port must be a number from 1 to 65535")
    port = int(text)
    if not 1 <= port <= 65535:
        raise InvalidOrigin("port must be a number from 1 to 65535")
    return None if port == DEFAULT_PORTS[scheme] else port


def _normalise_host(host: str) -> str:
    if not host:
        raise InvalidOrigin("host is empty")
    if host.startswith("["):
        return _normalise_ipv6(host)
    if host.endswith("."):
        raise InvalidOrigin("a trailing dot makes another origin; write the host without it")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise InvalidOrigin("host is not a valid internationalised domain name") from None
        if host.endswith("."):
            raise InvalidOrigin("a trailing dot makes another origin; write the host without it")
    host = host.lower()
    if len(host) > MAX_HOST_LENGTH:
        raise InvalidOrigin(f"host is longer than {MAX_HOST_LENGTH} characters")
    labels = host.split(".")
    if labels[-1].isdigit():
        return _normalise_ipv4(labels)
    if _HEX_NUMBER.fullmatch(labels[-1]):
        # The URL Standard reads a host ending in "0x..." as an IPv4 address; browsers refuse it.
        raise InvalidOrigin("a host ending in a number must be a dotted-quad IPv4 address")
    for label in labels:
        if not label:
            raise InvalidOrigin("host has an empty label")
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidOrigin(f"a host label is longer than {MAX_LABEL_LENGTH} characters")
        if not _LABEL.fullmatch(label):
            raise InvalidOrigin("host may hold only letters, digits, '-' and '.'")
        if label.startswith("xn--"):
            _check_a_label(label)
    return host


def _check_a_label(label: str) -> None:
    # A punycode label a browser would refuse (bad encoding, or not the canonical form of its
    # Unicode) could never arrive in an Origin header, so it is refused rather than stored.
    try:
        unicode = idna.decode(label)
        canonical = idna.encode(unicode, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise InvalidOrigin("host has an invalid punycode (xn--) label") from None
    if canonical != label:
        raise InvalidOrigin("host has a punycode (xn--) label that is not in canonical form")


def _normalise_ipv4(labels: list[str]) -> str:
    # Browsers rewrite "127.1" or "0x7f.0.0.1" to "127.0.0.1" before sending them, so only the
    # canonical dotted quad can ever match; other number-ending hosts are refused.
    if len(labels) != 4 or not all(_IPV4_PART.fullmatch(p) and int(p) <= 255 for p in labels):
        raise InvalidOrigin("a host ending in a number must be a dotted-quad IPv4 address")
    return ".".join(labels)


def _normalise_ipv6(host: str) -> str:
    try:
        address = ipaddress.IPv6Address(host[1:-1])
    except ValueError:
        raise InvalidOrigin("host is not a valid IPv6 address") from None
    if address.scope_id is not None:
        raise InvalidOrigin("an IPv6 zone identifier is not allowed in an origin")
    return "[" + _serialise_ipv6(address.packed) + "]"


def _serialise_ipv6(packed: bytes) -> str:
    """The URL Standard's IPv6 serialiser: lower-case hex, longest run (2+) of zeros as ``::``.

    Written out rather than taken from :mod:`ipaddress`, whose text for IPv4-mapped addresses
    differs between Python versions and from what browsers send.
    """
    pieces = [int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2)]
    best_start, best_len, start = -1, 1, -1
    for i, piece in enumerate([*pieces, 1]):
        if piece == 0 and start < 0:
            start = i
        elif piece != 0 and start >= 0:
            if i - start > best_len:
                best_start, best_len = start, i - start
            start = -1
    if best_start < 0:
        return ":".join(f"{p:x}" for p in pieces)
    head = ":".join(f"{p:x}" for p in pieces[:best_start])
    tail = ":".join(f"{p:x}" for p in pieces[best_start + best_len :])
    return f"{head}::{tail}"
