"""E-mail addresses as the accounts package compares them.

An address is normalised once, where it enters: NFKC over the whole address, the domain turned
into its IDNA (punycode) form, and everything lower-cased. ``Alice@Shop.Example`` and
``alice@shop.example`` are one person; so are ``bob@bücher.example`` and
``bob@xn--bcher-kva.example``. The local part is lower-cased too: no mail provider the gateway
sends to treats case there as meaningful, and two people differing only by case would be a trap.
"""

from __future__ import annotations

import unicodedata

import idna

MAX_LENGTH = 254  # RFC 5321's path limit less the angle brackets


class AddressInvalid(ValueError):
    """Not an address the gateway can send to."""


def normalise_address(raw: str) -> str:
    """The canonical form of ``raw``, or :class:`AddressInvalid`."""
    text = unicodedata.normalize("NFKC", raw.strip())
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or len(local) > 64:
        raise AddressInvalid("an e-mail address looks like name@example.com")
    if any(c.isspace() or c in '<>()[]\\,;:"' or unicodedata.category(c)[0] == "C" for c in local):
        raise AddressInvalid("the part before @ holds a character addresses cannot have")
    try:
        ascii_domain = idna.encode(domain.lower().rstrip("."), uts46=True).decode("ascii")
    except idna.IDNAError:
        raise AddressInvalid("the part after @ is not a valid domain name") from None
    if "." not in ascii_domain:
        raise AddressInvalid("the part after @ must be a full domain name")
    address = f"{local.lower()}@{ascii_domain.lower()}"
    if len(address) > MAX_LENGTH:
        raise AddressInvalid("the address is too long")
    return address
