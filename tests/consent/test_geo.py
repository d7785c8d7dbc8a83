"""Geo rules as pure functions: which variant a visitor's location picks, most specific first."""

from __future__ import annotations

import pytest

from gateway.consent.config import parse_config
from gateway.consent.geo import normalise_region, pick_variant
from gateway.web.location import Location, location_of

RULES = parse_config(
    {
        "variants": [
            {"id": "gdpr", "regions": ["EEA", "UK", "CH"], "mode": "opt_in"},
            {"id": "france", "regions": ["FR"], "mode": "opt_in"},
            {"id": "us-states", "regions": ["US-PRIVACY"], "mode": "opt_out"},
            {"id": "texas", "regions": ["US-TX"], "mode": "opt_in"},
            {"id": "us", "regions": ["US"], "mode": "none"},
            {"id": "quebec", "regions": ["CA-QC"], "mode": "opt_in"},
            {"id": "canada", "regions": ["CA", "BR"], "mode": "opt_out"},
            {"id": "elsewhere", "regions": ["*"], "mode": "none"},
        ]
    }
).variants


@pytest.mark.parametrize(
    ("where", "variant"),
    [
        (Location("DE", "DE-BE"), "gdpr"),  # a country of a group
        (Location("NO"), "gdpr"),  # EEA, not EU
        (Location("GB", "GB-ENG"), "gdpr"),  # UK is GB
        (Location("FR", "FR-IDF"), "france"),  # the country beats its group
        (Location("US", "US-CA"), "us-states"),  # a state with a privacy law
        (Location("US", "US-TX"), "texas"),  # the state itself beats the group of states
        (Location("US", "US-FL"), "us"),  # no state law: the country's variant
        (Location("US"), "us"),  # no subdivision known
        (Location("CA", "CA-QC"), "quebec"),
        (Location("CA", "CA-ON"), "canada"),
        (Location("BR", "BR-SP"), "canada"),
        (Location("JP"), "elsewhere"),  # no variant names it: everywhere else
        (Location(), None),  # unknown: the opt-in banner, the strictest
    ],
    ids=lambda v: str(v) if isinstance(v, str) or v is None else (v.subdivision or v.country),
)
def test_the_most_specific_variant_wins(where: Location, variant: str | None) -> None:
    found = pick_variant(RULES, where)
    assert (found.id if found else None) == variant


def test_an_unknown_location_takes_the_unknown_variant_where_there_is_one() -> None:
    variants = parse_config(
        {
            "variants": [
                {"id": "elsewhere", "regions": ["*"], "mode": "none"},
                {"id": "unsure", "regions": ["unknown"], "mode": "opt_out"},
            ]
        }
    ).variants
    assert pick_variant(variants, Location()).id == "unsure"  # type: ignore[union-attr]
    assert pick_variant(variants, Location("JP")).id == "elsewhere"  # type: ignore[union-attr]


def test_without_variants_no_rule_applies() -> None:
    assert parse_config(None).variants == ()
    assert pick_variant((), Location("US", "US-CA")) is None


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("uk", "GB"), ("us-ca", "US-CA"), ("EEA", "EEA"), ("EL", "GR"), ("CA-QC", "CA-QC")],
)
def test_places_are_read_in_canonical_form(text: str, canonical: str) -> None:
    assert normalise_region(text) == canonical


@pytest.mark.parametrize(
    ("country", "region", "expected"),
    [
        ("us", "ca", Location("US", "US-CA")),  # CloudFront: country and region apart
        ("US", "US-CA", Location("US", "US-CA")),  # some edges write the full code
        ("FR", "", Location("FR")),
        ("XX", None, Location()),  # Cloudflare's "unknown"
        ("T1", None, Location()),  # Cloudflare's Tor exit
        ("EU", None, Location()),  # a continent, not a country
        ("US", "not a region", Location("US")),
        (None, "CA", Location()),
    ],
    ids=["split", "full", "no-region", "unknown", "tor", "continent", "bad-region", "no-country"],
)
def test_edge_values_become_locations(
    country: str | None, region: str | None, expected: Location
) -> None:
    assert location_of(country, region) == expected
