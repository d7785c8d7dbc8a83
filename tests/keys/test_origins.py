"""Origins: parsing, normalisation, rules and matching, including the known traps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import InvalidOriginRule
from gateway.keys.origins import (
    MEMO_SIZE,
    AllowList,
    InvalidOrigin,
    Origin,
    OriginRule,
    normalise_rules,
    parse_origin,
    parse_rule,
)

LONG_HOST = ".".join(["a" * 60] * 4) + ".example"  # 252 characters: valid but long

# --- parse_origin: what a browser sends, normalised ----------------------------------------------

VALID_ORIGINS = [
    ("https://example.com", Origin("https", "example.com", None)),
    ("http://localhost:8080", Origin("http", "localhost", 8080)),
    ("HTTPS://Shop.EXAMPLE.com", Origin("https", "shop.example.com", None)),
    ("https://example.com:443", Origin("https", "example.com", None)),
    ("http://example.com:80", Origin("http", "example.com", None)),
    ("http://example.com:443", Origin("http", "example.com", 443)),
    ("https://example.com:80", Origin("https", "example.com", 80)),
    ("https://example.com:8443", Origin("https", "example.com", 8443)),
    ("https://bücher.example", Origin("https", "xn--bcher-kva.example", None)),
    ("https://BÜCHER.example", Origin("https", "xn--bcher-kva.example", None)),
    ("https://xn--bcher-kva.example", Origin("https", "xn--bcher-kva.example", None)),
    ("https://XN--BCHER-KVA.example", Origin("https", "xn--bcher-kva.example", None)),
    ("https://faß.de", Origin("https", "xn--fa-hia.de", None)),
    ("https://例え.テスト", Origin("https", "xn--r8jz45g.xn--zckzah", None)),
    ("http://127.0.0.1:3000", Origin("http", "127.0.0.1", 3000)),
    ("http://[::1]:8080", Origin("http", "[::1]", 8080)),
    ("http://[0:0:0:0:0:0:0:1]", Origin("http", "[::1]", None)),
    ("http://[2001:DB8::1]", Origin("http", "[2001:db8::1]", None)),
    ("http://[2001:db8:0:1:0:0:0:1]", Origin("http", "[2001:db8:0:1::1]", None)),
    ("http://[1:0:2:3:4:5:6:7]", Origin("http", "[1:0:2:3:4:5:6:7]", None)),
    ("http://[::ffff:192.0.2.1]", Origin("http", "[::ffff:c000:201]", None)),
    ("https://" + LONG_HOST, Origin("https", LONG_HOST, None)),
]


@pytest.mark.parametrize(("value", "expected"), VALID_ORIGINS, ids=[v for v, _ in VALID_ORIGINS])
def test_parse_origin_normalises(value: str, expected: Origin) -> None:
    assert parse_origin(value) == expected


def test_serialize_is_what_a_browser_sends() -> None:
    assert parse_origin("HTTPS://Example.COM:443").serialize() == "https://example.com"
    assert parse_origin("http://[::1]:8080").serialize() == "http://[::1]:8080"
    assert str(parse_origin("https://bücher.example")) == "https://xn--bcher-kva.example"


INVALID_ORIGINS = {
    "null": ("null", "opaque"),
    "empty": ("", "http:// or https://"),
    "no-scheme": ("example.com", "http:// or https://"),
    "scheme-relative": ("//example.com", "http:// or https://"),
    "ftp": ("ftp://example.com", "scheme"),
    "file": ("file://example.com", "scheme"),
    "javascript": ("javascript://example.com", "scheme"),
    "chrome-extension": ("chrome-extension://abcdefgh", "scheme"),
    "single-slash": ("https:/example.com", "http:// or https://"),
    "trailing-slash": ("https://example.com/", "path"),
    "path": ("https://example.com/shop", "path"),
    "query": ("https://example.com?x=1", "query"),
    "fragment": ("https://example.com#top", "fragment"),
    "userinfo": ("https://user@example.com", "userinfo"),
    "userinfo-password": ("https://user:pw@example.com", "userinfo"),
    "userinfo-spoof": ("https://example.com@evil.net", "userinfo"),
    "backslash": ("https://example.com\\evil.net", "backslash"),
    "percent": ("https://ex%61mple.com", "percent"),
    "leading-space": (" https://example.com", "whitespace"),
    "trailing-space": ("https://example.com ", "whitespace"),
    "inner-space": ("https://exa mple.com", "whitespace"),
    "tab": ("https://example.com\t", "whitespace"),
    "newline": ("https://example.com\r\nX-Evil: 1", "whitespace"),
    "nul": ("https://example.com\x00.evil.net", "control"),
    "trailing-dot": ("https://example.com.", "trailing dot"),
    "trailing-dot-port": ("https://example.com.:443", "trailing dot"),
    "idn-trailing-dot": ("https://bücher.example。", "trailing dot"),
    "empty-label": ("https://example..com", "empty label"),
    "leading-dot": ("https://.example.com", "empty label"),
    "empty-host": ("https://", "empty"),
    "empty-host-port": ("https://:443", "empty"),
    "underscore": ("https://a_b.example.com", "letters, digits"),
    "leading-hyphen": ("https://-a.example.com", "letters, digits"),
    "wildcard": ("https://*.example.com", "letters, digits"),
    "empty-port": ("https://example.com:", "port"),
    "port-zero": ("https://example.com:0", "port"),
    "port-too-big": ("https://example.com:65536", "port"),
    "port-sign": ("https://example.com:+443", "port"),
    "port-huge": ("https://example.com:" + "9" * 50, "port"),
    "two-ports": ("https://example.com:443:443", "port"),
    "ipv4-short": ("http://127.1", "IPv4"),
    "ipv4-octal": ("http://0177.0.0.1", "IPv4"),
    "ipv4-out-of-range": ("http://256.0.0.1", "IPv4"),
    "ipv4-hex": ("http://0x7f.0.0.1", "IPv4"),
    "number-last-label": ("https://example.123", "IPv4"),
    "hex-last-label": ("https://example.0x1", "IPv4"),
    "ipv6-unbracketed": ("http://::1", "port"),
    "ipv6-unclosed": ("http://[::1", "unclosed"),
    "ipv6-garbage": ("http://[not:an:address]", "IPv6"),
    "ipv6-after": ("http://[::1]x", "after an IPv6"),
    "ipv6-zone": ("http://[fe80::1%25eth0]", "percent"),
    "bad-punycode": ("https://xn--zz.example", "punycode"),
    "label-too-long": ("https://" + "a" * 64 + ".example", "longer than 63"),
    "host-too-long": ("https://" + ".".join(["a" * 63] * 4) + ".com", "longer than 253"),
    "very-long": ("https://" + "a" * 100_000 + ".example", "longer than 300"),
    "idn-disallowed": ("https://a\u2028b.example", "whitespace"),
    "idn-invalid": ("https://\u0663\u0041.example", "internationalised"),
}


@pytest.mark.parametrize(
    ("value", "reason"), list(INVALID_ORIGINS.values()), ids=list(INVALID_ORIGINS)
)
def test_parse_origin_refuses(value: str, reason: str) -> None:
    with pytest.raises(InvalidOrigin) as caught:
        parse_origin(value)
    message = str(caught.value)
    assert reason.lower() in message.lower()
    # The reason never repeats what was sent: no echo of huge or hostile values.
    assert len(message) < 120
    assert "evil" not in message and "example" not in message


# --- parse_rule: what a site owner saves ---------------------------------------------------------

VALID_RULES = {
    "exact": ("https://shop.example", "https://shop.example", False),
    "upper-case": ("HTTPS://Shop.Example", "https://shop.example", False),
    "default-port": ("https://shop.example:443", "https://shop.example", False),
    "port": ("http://localhost:3000", "http://localhost:3000", False),
    "trailing-slash": ("https://shop.example/", "https://shop.example", False),
    "surrounding-space": ("  https://shop.example\n", "https://shop.example", False),
    "idn": ("https://bücher.example", "https://xn--bcher-kva.example", False),
    "wildcard": ("https://*.example.com", "https://*.example.com", True),
    "wildcard-port": ("https://*.example.com:8443", "https://*.example.com:8443", True),
    "wildcard-http": ("http://*.staging.example.com", "http://*.staging.example.com", True),
    "wildcard-idn": ("https://*.Bücher.example/", "https://*.xn--bcher-kva.example", True),
    "ipv4": ("http://127.0.0.1:8000", "http://127.0.0.1:8000", False),
    "ipv6": ("http://[::1]:8000", "http://[::1]:8000", False),
    "localhost": ("http://localhost", "http://localhost", False),
}


@pytest.mark.parametrize(
    ("value", "stored", "wildcard"), list(VALID_RULES.values()), ids=list(VALID_RULES)
)
def test_parse_rule_normalises(value: str, stored: str, wildcard: bool) -> None:
    rule = parse_rule(value)
    assert str(rule) == stored
    assert rule.wildcard is wildcard
    assert parse_rule(str(rule)) == rule


INVALID_RULES = {
    "bare-star": ("*", "http:// or https://"),
    "scheme-star": ("https://*", "leftmost label"),
    "no-scheme": ("*.example.com", "http:// or https://"),
    "no-scheme-host": ("shop.example", "http:// or https://"),
    "star-suffix": ("https://*example.com", "leftmost label"),
    "star-inside": ("https://a.*.example.com", "leftmost label"),
    "star-partial-label": ("https://shop*.example.com", "leftmost label"),
    "double-star": ("https://*.*.example.com", "leftmost label"),
    "star-tld": ("https://*.com", "two labels"),
    "star-localhost": ("http://*.localhost", "two labels"),
    "star-ipv4": ("http://*.127.0.0.1", "IP address"),
    "star-ipv6": ("http://*.[::1]", "IPv6 address"),
    "star-port": ("https://*.example.com:*", "port"),
    "two-slashes": ("https://shop.example//", "path"),
    "path": ("https://shop.example/checkout", "path"),
    "null": ("null", "http:// or https://"),
    "trailing-dot": ("https://shop.example.", "trailing dot"),
    "wildcard-trailing-dot": ("https://*.example.com.", "trailing dot"),
    "userinfo": ("https://me@shop.example", "userinfo"),
    "inner-space": ("https://shop example", "whitespace"),
    "huge": ("https://" + "a" * 5000 + ".example", "longer than"),
}


@pytest.mark.parametrize(("value", "reason"), list(INVALID_RULES.values()), ids=list(INVALID_RULES))
def test_parse_rule_refuses_with_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidOrigin) as caught:
        parse_rule(value)
    assert reason.lower() in str(caught.value).lower()


def test_normalise_rules_dedupes_and_names_the_bad_entry() -> None:
    assert normalise_rules(
        ["https://Shop.Example/", "https://shop.example:443", "https://*.example.com"]
    ) == ("https://shop.example", "https://*.example.com")
    with pytest.raises(InvalidOriginRule) as caught:
        normalise_rules(["https://ok.example", "https://*.com"])
    problem = caught.value.to_problem()
    assert problem["status"] == 422
    assert problem["code"] == "invalid_origin_rule"
    assert problem["detail"].startswith("origins[1]: ")


# --- matching: the traps -------------------------------------------------------------------------

RULES = [
    "https://shop.example",
    "https://*.example.com",
    "http://localhost:3000",
    "https://bücher.example",
    "http://127.0.0.1:8000",
    "http://[::1]:8000",
    "https://*.staging.example.org:8443",
]

MATCHES = {
    "exact": ("https://shop.example", True),
    # Spellings that only normalise to an allowed origin: no browser sends them, so refused.
    "exact-default-port": ("https://shop.example:443", False),
    "exact-upper-case": ("HTTPS://SHOP.EXAMPLE", False),
    "exact-zero-padded-port": ("https://shop.example:0443", False),
    "exact-ordinal-indicator": ("https://shop.ex\u00aample", False),
    "suffix-confusion": ("https://evil-shop.example", False),
    "prefix-confusion": ("https://shop.example.evil.net", False),
    "sub-of-exact": ("https://www.shop.example", False),
    "scheme-mismatch": ("http://shop.example", False),
    "port-mismatch": ("https://shop.example:8443", False),
    "explicit-other-default": ("https://shop.example:80", False),
    "null": ("null", False),
    "missing": (None, False),
    "empty": ("", False),
    "path": ("https://shop.example/", False),
    "userinfo": ("https://shop.example@evil.net", False),
    "userinfo-before": ("https://evil.net@shop.example", False),
    "trailing-dot": ("https://shop.example.", False),
    "space": (" https://shop.example", False),
    "very-long": ("https://shop.example" + "/" * 100_000, False),
    "wildcard-one-level": ("https://a.example.com", True),
    "wildcard-deep": ("https://a.b.c.example.com", True),
    "wildcard-upper-case": ("https://A.Example.COM", False),
    "wildcard-bare-parent": ("https://example.com", False),
    "wildcard-dash-confusion": ("https://evil-example.com", False),
    "wildcard-glued": ("https://evilexample.com", False),
    "wildcard-prefix-confusion": ("https://a.example.com.evil.net", False),
    "wildcard-scheme-mismatch": ("http://a.example.com", False),
    "wildcard-port-mismatch": ("https://a.example.com:8443", False),
    "wildcard-trailing-dot": ("https://a.example.com.", False),
    "wildcard-with-port": ("https://x.staging.example.org:8443", True),
    "wildcard-without-port": ("https://x.staging.example.org", False),
    "localhost": ("http://localhost:3000", True),
    "localhost-other-port": ("http://localhost:3001", False),
    "localhost-as-ip": ("http://127.0.0.1:3000", False),
    "idn-punycode-header": ("https://xn--bcher-kva.example", True),
    "idn-unicode-header": ("https://bücher.example", False),
    "idn-lookalike": ("https://bucher.example", False),
    "ipv4": ("http://127.0.0.1:8000", True),
    "ipv4-short-form": ("http://127.1:8000", False),
    "ipv6": ("http://[::1]:8000", True),
    "ipv6-long-form": ("http://[0:0::1]:8000", False),
    "ipv6-other": ("http://[::2]:8000", False),
}


@pytest.mark.parametrize(("header", "allowed"), list(MATCHES.values()), ids=list(MATCHES))
def test_allow_list(header: str | None, allowed: bool) -> None:
    allow = AllowList.from_strings(RULES)
    assert allow.allows(header) is allowed
    # The rule objects agree with the fast path.
    if header is not None:
        try:
            origin = parse_origin(header)
        except InvalidOrigin:
            assert not allowed
        else:
            canonical = origin.serialize() == header
            assert (canonical and any(rule.matches(origin) for rule in allow)) is allowed


def test_stored_rule_that_no_longer_parses_matches_nothing_and_spoils_nothing() -> None:
    allow = AllowList.from_strings(["https://*.com", "https://shop.example", "null"])
    assert [str(r) for r in allow] == ["https://shop.example"]
    assert allow.allows("https://shop.example")
    assert not allow.allows("https://evil.com")
    assert not allow.allows("null")


def test_answers_stay_right_when_made_up_origins_flood_the_memo() -> None:
    allow = AllowList.from_strings(["https://*.example.com"])
    assert allow.allows("https://a.example.com")
    for i in range(MEMO_SIZE * 3):
        assert not allow.allows(f"https://x{i}.evil.net")
        assert allow.allows(f"https://x{i}.example.com")
    assert allow.allows("https://a.example.com")
    assert not allow.allows("https://example.com")


def test_empty_allow_list_allows_nothing() -> None:
    assert not AllowList([]).allows("https://shop.example")
    assert len(AllowList.from_strings(RULES)) == len(RULES)


# --- properties ----------------------------------------------------------------------------------

_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True)
_tld = st.from_regex(r"[a-z]{2,6}", fullmatch=True)
_hosts = st.builds(lambda ls, t: ".".join([*ls, t]), st.lists(_label, min_size=1, max_size=4), _tld)
_ports = st.one_of(st.none(), st.integers(1, 65535))
_schemes = st.sampled_from(["http", "https"])


def _random_case(draw: st.DrawFn, text: str) -> str:
    mask = draw(st.integers(0, 2 ** len(text) - 1))
    return "".join(c.upper() if mask >> i & 1 else c for i, c in enumerate(text))


@st.composite
def origin_headers(draw: st.DrawFn, hosts: st.SearchStrategy[str] = _hosts) -> str:
    """Origins written in any legal spelling: mixed case, explicit default ports."""
    scheme, host, port = draw(_schemes), draw(hosts), draw(_ports)
    text = f"{_random_case(draw, scheme)}://{_random_case(draw, host)}"
    return text if port is None else f"{text}:{port}"


@settings(max_examples=200)
@given(origin_headers())
def test_normalisation_is_idempotent_and_round_trips(value: str) -> None:
    origin = parse_origin(value)
    assert parse_origin(origin.serialize()) == origin
    assert origin.serialize() == origin.serialize().lower()
    assert origin.port not in (80, 443) or {80: "http", 443: "https"}[origin.port] != origin.scheme


@settings(max_examples=200)
@given(_schemes, _hosts, _label, _ports)
def test_wildcard_matches_subdomains_never_parent_or_lookalikes(
    scheme: str, base: str, sub: str, port: int | None
) -> None:
    rule = parse_rule(f"{scheme}://*.{base}" + ("" if port is None else f":{port}"))
    # The headers as a browser sends them: a scheme's default port is never written.
    default = {"http": 80, "https": 443}[scheme]
    suffix = "" if port in (None, default) else f":{port}"
    allow = AllowList([rule])
    assert allow.allows(f"{scheme}://{sub}.{base}{suffix}")
    assert allow.allows(f"{scheme}://{sub}.{sub}.{base}{suffix}")
    assert not allow.allows(f"{scheme}://{base}{suffix}")
    assert not allow.allows(f"{scheme}://{sub}{base}{suffix}")
    assert not allow.allows(f"{scheme}://{sub}-{base}{suffix}")
    assert not allow.allows(f"{scheme}://{sub}.{base}.{sub}{suffix}")


@st.composite
def rules_and_header(draw: st.DrawFn) -> tuple[list[str], str]:
    """A few rules, and a header that is often close to one of them (same host, or under it)."""
    bases = draw(st.lists(_hosts, min_size=1, max_size=3))
    rules = [
        f"{draw(_schemes)}://{'*.' if draw(st.booleans()) else ''}{b}"
        + draw(st.sampled_from(["", ":8080", ":443", ":80"]))
        for b in bases
    ]
    near = st.builds(
        lambda p, b: p + b, st.sampled_from(["", "a.", "x.y.", "a-"]), st.sampled_from(bases)
    )
    return rules, draw(origin_headers(near))


@settings(max_examples=200)
@given(rules_and_header())
def test_allows_agrees_with_rule_matching(case: tuple[list[str], str]) -> None:
    rules, header = case
    parsed = [parse_rule(r) for r in rules]
    origin = parse_origin(header)
    # Only the canonical spelling, the one browsers send, is allowed.
    expected = origin.serialize() == header and any(r.matches(origin) for r in parsed)
    allow = AllowList(parsed)
    assert allow.allows(header) is expected
    assert allow.allows(header) is expected  # the second answer comes from the memo


_garbage = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda s, t: s + t,
        st.sampled_from(["http://", "https://", "HTTPS://["]),
        st.text(max_size=60),
    ),
    st.builds(lambda t: f"https://{t}.example", st.text(max_size=40)),
)


@settings(max_examples=500)
@given(_garbage)
def test_garbage_only_ever_raises_invalid_origin(value: str) -> None:
    for parse in (parse_origin, parse_rule):
        try:
            result = parse(value)
        except InvalidOrigin:
            continue
        assert isinstance(result, Origin | OriginRule)
        assert parse(str(result)) == result
    assert AllowList.from_strings(["https://shop.example"]).allows(value) in (True, False)
