"""The address rule's domains: the plain-ASCII shortcut answers exactly as the IDNA library."""

from __future__ import annotations

import idna
import pytest

from gateway.mail.address import address, email_problem, idna_domain

DOMAINS = [
    "example.com",
    "Example.COM",
    "mail.shop-1.example",
    "xn--bcher-kva.example",  # already punycode: checked by the library, not the shortcut
    "xn--zz.example",  # punycode that does not decode
    "ab--cd.example",  # hyphens in the third and fourth place are reserved
    "bücher.example",
    "BÜCHER.example",
    "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com",  # full-width letters map to ASCII
    "exa_mple.com",
    "-lead.example",
    "trail-.example",
    "example.com.",
    "a..b",
    "123.456",
    "straße.de",
    "faß.example",
    "x" * 63 + ".example",
    "x" * 64 + ".example",
]


def _library(domain: str) -> str | None:
    try:
        return idna.encode(domain.lower(), uts46=True).decode("ascii")
    except idna.IDNAError:
        return None


def _ours(domain: str) -> str | None:
    try:
        return idna_domain(domain)
    except idna.IDNAError:
        return None


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_domain_form_is_the_idna_librarys(domain: str) -> None:
    assert _ours(domain) == _library(domain)


def test_addresses_get_their_domain_in_ascii_and_bad_domains_are_refused() -> None:
    assert address("Ada@Bücher.Example") == "Ada@xn--bcher-kva.example"
    assert address("ada@Shop.Example") == "ada@shop.example"
    assert email_problem("ada@ab--cd.example") == "not a valid email domain"
    assert email_problem("ada@xn--zz.example") == "not a valid email domain"
    assert email_problem("ada@shop.example") is None
