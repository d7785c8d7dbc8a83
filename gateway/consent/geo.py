"""Geo rules of a consent config: banner variants by country and region, most specific first.

A key's config may hold ``variants``: each names the places it applies to and the kind of banner
shown there — ``opt_in`` (the consent banner: nothing optional runs before a choice), ``opt_out``
(a notice: categories on by default, a "Do Not Sell or Share" choice, Global Privacy Control as the
opt-out) or ``none`` (no banner)::

    "variants": [
      {"id": "gdpr", "regions": ["EEA", "UK", "CH"], "mode": "opt_in"},
      {"id": "us-states", "regions": ["US-PRIVACY"], "mode": "opt_out"},
      {"id": "elsewhere", "regions": ["*"], "mode": "none"}
    ]

A place is a country (``FR``; ``UK`` is read as ``GB``), a country's subdivision (``US-CA``,
``CA-QC``), a group (``EU``, ``EEA``, ``US-PRIVACY``: the US states with a consumer privacy law),
``*`` for every other known place, or ``unknown`` for a visitor whose location the gateway could
not tell. The most specific place wins: subdivision, group of subdivisions, country, group of
countries, then ``*``. A visitor matched by no variant — an unknown location without an
``unknown`` variant, say — gets the opt-in banner, the strictest.

The location itself is never kept: records carry only the id of the variant applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway import problems as rule
from gateway.problems import Problems
from gateway.web.location import Location

MODES = ("opt_in", "opt_out", "none")
MAX_VARIANTS = 20
MAX_REGIONS = 100
ANYWHERE = "*"
UNKNOWN = "unknown"


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 3166-1 alpha-2, every assigned code.
COUNTRIES = _codes(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW"""
)
EU = _codes("AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE")
COUNTRY_GROUPS: Mapping[str, frozenset[str]] = {"EU": EU, "EEA": EU | {"IS", "LI", "NO"}}
US_STATES = _codes(
    """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH
    NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR UM VI"""
)
CA_PROVINCES = _codes("AB BC MB NB NL NS NT NU ON PE QC SK YT")
# The states with a comprehensive consumer privacy law in force or enacted (December 2026):
# each gives a right to opt out of the sale or sharing of personal data.
US_PRIVACY_STATES = _codes("CA CO CT DE IA IN KY MD MN MT NE NH NJ OR RI TN TX UT VA")
REGION_GROUPS: Mapping[str, frozenset[str]] = {
    "US-PRIVACY": frozenset(f"US-{s}" for s in US_PRIVACY_STATES)
}
ALIASES = {"UK": "GB", "EL": "GR"}  # what people write, and the EU's own code for Greece

_VARIANT_FIELDS = {"id", "regions", "mode"}
_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_SUBDIVISION = re.compile(r"([A-Z]{2})-([A-Z0-9]{1,3})")
_KNOWN_SUBDIVISIONS = {"US": US_STATES, "CA": CA_PROVINCES}


@dataclass(frozen=True)
class Variant:
    """One banner variant: its id (what records keep), its places, and the kind of banner."""

    id: str
    regions: tuple[str, ...]
    mode: str


def normalise_region(text: str) -> str | None:
    """A place as a variant may name it, in canonical form (``uk`` → ``GB``), or None."""
    if text in (ANYWHERE, UNKNOWN):
        return text
    value = text.strip().upper()
    value = ALIASES.get(value, value)
    if value in COUNTRIES or value in COUNTRY_GROUPS or value in REGION_GROUPS:
        return value
    match = _SUBDIVISION.fullmatch(value)
    if match is None:
        return None
    country, part = match.groups()
    country = ALIASES.get(country, country)
    known = _KNOWN_SUBDIVISIONS.get(country)
    if country not in COUNTRIES or (known is not None and part not in known):
        return None
    return f"{country}-{part}"


def parse_variants(value: Any, problems: Problems) -> tuple[Variant, ...]:
    """The ``variants`` of a config (``None``: no geo rules); problems are added, not raised."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_VARIANTS:
        problems.add("variants", rule.WRONG_TYPE, f"a list of at most {MAX_VARIANTS} variants")
        return ()
    out: list[Variant] = []
    ids: set[str] = set()
    claimed: dict[str, str] = {}  # place -> the variant that names it
    for i, item in enumerate(value):
        where = f"variants.{i}"
        if not isinstance(item, dict):
            problems.add(where, rule.WRONG_TYPE, "an object with id, regions and mode")
            continue
        for name in sorted(set(item) - _VARIANT_FIELDS):
            problems.add(f"{where}.{name}", rule.UNKNOWN, "unknown field")
        vid = item.get("id")
        if not isinstance(vid, str) or not _ID.fullmatch(vid) or vid in ids:
            problems.add(
                f"{where}.id", rule.INVALID_FORMAT, "a unique id: lower-case letters, digits, _ -"
            )
            continue
        ids.add(vid)
        mode = item.get("mode")
        if mode not in MODES:
            problems.add(f"{where}.mode", rule.NOT_AN_OPTION, f"one of {', '.join(MODES)}")
        regions = item.get("regions")
        if not isinstance(regions, list) or not 1 <= len(regions) <= MAX_REGIONS:
            problems.add(f"{where}.regions", rule.WRONG_TYPE, f"a list of 1-{MAX_REGIONS} places")
            continue
        places: list[str] = []
        for j, text in enumerate(regions):
            place = normalise_region(text) if isinstance(text, str) and len(text) < 20 else None
            if place is None:
                problems.add(
                    f"{where}.regions.{j}",
                    rule.NOT_AN_OPTION,
                    "a country (FR), a subdivision (US-CA), EU, EEA, US-PRIVACY, * or unknown",
                )
            elif place in claimed:
                problems.add(
                    f"{where}.regions.{j}", rule.CONFLICT, f"already in variant {claimed[place]}"
                )
            else:
                claimed[place] = vid
                places.append(place)
        out.append(Variant(vid, tuple(places), str(mode)))
    return tuple(out)


def _specificity(place: str, where: Location) -> int:
    """How closely ``place`` names ``where`` (0: not at all)."""
    if not where.known:
        return 1 if place == UNKNOWN else 0
    if where.subdivision is not None:
        if place == where.subdivision:
            return 6
        if where.subdivision in REGION_GROUPS.get(place, ()):
            return 5
    if place == where.country:
        return 4
    if where.country in COUNTRY_GROUPS.get(place, ()):
        return 3
    return 2 if place == ANYWHERE else 0


def pick_variant(variants: tuple[Variant, ...], where: Location) -> Variant | None:
    """The variant for a visitor at ``where``: the most specific match, or None (opt-in)."""
    best: Variant | None = None
    best_score = 0
    for variant in variants:
        for place in variant.regions:
            score = _specificity(place, where)
            if score > best_score:
                best, best_score = variant, score
    return best
