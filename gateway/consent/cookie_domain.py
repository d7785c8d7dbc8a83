"""The consent cookie's ``Domain``: one choice for a site and all its subdomains.

Without ``cookie_domain`` the consent cookie is host-only: a visitor who chose on
``www.shop.example`` is asked again on ``help.shop.example``. With ``"cookie_domain":
"shop.example"`` the widget writes it with ``Domain=shop.example``, which every host under it reads.

The rule, checked when a key is saved:

- a lower-case host name of at least two labels (a leading dot is dropped; IDN as punycode), no
  IP address;
- not a public suffix (``co.uk``, ``github.io``: the Public Suffix List, ICANN and private
  sections, as browsers use it) — browsers refuse such a cookie anyway;
- the host, or a parent, of at least one of the key's allowed origins (for a wildcard rule
  ``https://*.shop.example``: ``shop.example`` or any domain above or below it that its subdomains
  share). Other origins of the key are not refused: on a page whose host is not under the domain
  the widget falls back to a host-only cookie, as a browser would refuse the ``Domain``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from publicsuffixlist import PublicSuffixList

from gateway import problems as rule
from gateway.problems import Problems

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})+")
_HINT = "a lower-case domain such as shop.example, under which the key's origins are"


@cache
def _suffixes() -> PublicSuffixList:
    # Loaded once: the list ships with the package (updated with each of its releases).
    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """True for ``co.uk``, ``com``, ``github.io``: domains no site may set a cookie for."""
    return bool(_suffixes().is_public(domain))


def parse_cookie_domain(value: Any, problems: Problems) -> str | None:
    """The config's ``cookie_domain`` in canonical form, or None; problems are added."""
    if value is None:
        return None
    text = value.strip().lower().removeprefix(".") if isinstance(value, str) else ""
    if not text or len(text) > 253 or not _DOMAIN.fullmatch(text):
        problems.add("cookie_domain", rule.INVALID_FORMAT, _HINT)
        return None
    if text.rpartition(".")[2].isdigit():
        problems.add("cookie_domain", rule.INVALID_FORMAT, "a domain name, not an IP address")
        return None
    if is_public_suffix(text):
        problems.add(
            "cookie_domain", rule.NOT_AN_OPTION, "a public suffix: no site may set cookies for it"
        )
        return None
    return text


def covers(domain: str, host: str, wildcard: bool = False) -> bool:
    """Whether a cookie for ``domain`` reaches ``host`` (with ``wildcard``: its subdomains)."""
    if host == domain or host.endswith("." + domain):
        return True
    # *.shop.example: a domain below the base still reaches some of its subdomains.
    return wildcard and domain.endswith("." + host)


def origins_problem(domain: str, origins: Iterable[tuple[str, bool]]) -> str | None:
    """Why ``domain`` does not fit the key's origins (``(host, wildcard)`` pairs), or None."""
    listed = list(origins)
    if not listed:
        return None  # a key without origins serves no page yet; checked again when they come
    if any(covers(domain, host, wildcard) for host, wildcard in listed):
        return None
    return "not the host or a parent of any of the key's allowed origins"
