"""The report made of what a scan saw: which items are findings, what is undeclared, the JSON
and the table a site owner reads — from observations built by hand, no browser involved."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from gateway.consent.config import parse_config
from gateway.scanner import report
from gateway.scanner.model import (
    Banner,
    Observations,
    Page,
    Phase,
    SeenCookie,
    SeenRequest,
    SeenStorage,
)
from gateway.scanner.render import render

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/schemas/scan-report.schema.json").read_text()
)
CONFIG = parse_config(
    {
        "categories": [
            {
                "id": "necessary",
                "required": True,
                "services": [{"id": "shop", "name": "Shop", "cookies": ["sid"]}],
            },
            {"id": "analytics", "services": [{"id": "ga", "name": "GA", "cookies": ["_ga"]}]},
        ]
    }
)


def cookie(name: str, page: str = "/", first_party: bool = True) -> SeenCookie:
    domain = "shop.example" if first_party else "tracker.example"
    return SeenCookie(name, domain, "/", None, True, True, "Lax", False, first_party, page)


def observations(*phases: Phase) -> Observations:
    return Observations(
        site="https://shop.example",
        pages=(Page("/", 200), Page("/gone", 404)),
        banner=Banner(True, "pk_test", "https://gw.example", "wg_consent"),
        phases=phases,
    )


def test_necessary_and_the_widgets_own_items_are_no_finding() -> None:
    before = Phase(
        "before_consent",
        True,
        cookies=(cookie("sid"), cookie("wg_consent")),
        storage=(SeenStorage("wg:cfg:pk_test", "local", "/"),),
        requests=(SeenRequest("gw.example", ("script",), 2, "/"),),
    )
    built = report.build(observations(before), report.ConfigUsed("file", CONFIG), 0.0)
    assert built.clean
    assert built.fires_before_consent == []
    assert built.undeclared() == []


def test_an_analytics_cookie_before_consent_and_after_refusal_is_a_finding() -> None:
    ga = cookie("_ga", page="/blog")
    built = report.build(
        observations(
            Phase("before_consent", True, cookies=(ga,)),
            Phase("after_reject", True, cookies=(ga,)),
            Phase("after_accept", True, cookies=(ga,)),
        ),
        report.ConfigUsed("file", CONFIG),
        0.0,
    )
    assert not built.clean
    assert [(i.name, i.match.category, i.seen.page) for i in built.fires_before_consent] == [
        ("_ga", "analytics", "/blog")
    ]
    assert [i.phase for i in built.fires_after_refusal] == ["after_reject"]


def test_unknown_items_are_undeclared_but_not_findings() -> None:
    built = report.build(
        observations(
            Phase(
                "before_consent",
                True,
                cookies=(cookie("pref"), cookie("uid", first_party=False)),
                storage=(SeenStorage("_hjid", "local", "/"),),
            ),
            Phase("after_accept", True, cookies=(cookie("pref"),)),
        ),
        report.ConfigUsed("file", CONFIG),
        0.0,
    )
    undeclared = {(i.name, i.match.category): phases for i, phases in built.undeclared()}
    assert undeclared == {
        ("pref", None): ["before_consent", "after_accept"],
        ("uid", None): ["before_consent"],
        ("_hjid", "analytics"): ["before_consent"],  # the built-in table knows Hotjar
    }
    # Hotjar's key is analytics, so it fires before consent; the unknown cookies do not count.
    assert [i.name for i in built.fires_before_consent] == ["_hjid"]


def test_json_matches_the_schema_and_the_table_has_its_four_sections(tmp_path: Path) -> None:
    built = report.build(
        observations(
            Phase(
                "before_consent",
                True,
                cookies=(cookie("_ga"), cookie("uid", first_party=False)),
                requests=(SeenRequest("www.google-analytics.com", ("image", "script"), 3, "/"),),
            ),
            Phase("after_reject", False, note="could not click 'Reject all' on the banner"),
            Phase("after_accept", False, note="could not click 'Accept all' on the banner"),
        ),
        report.ConfigUsed("key", CONFIG, "pk_test"),
        1_767_225_600.0,
    )
    data = built.to_json()
    jsonschema.validate(data, SCHEMA)
    assert data["scanned_at"] == "2026-01-01T00:00:00Z"
    assert [i["name"] for i in data["fires_before_consent"]] == ["_ga", "www.google-analytics.com"]
    saved = report.save(built, tmp_path / "data")
    assert json.loads(saved.read_text()) == data
    text = render(built)
    sections = ["FIRES BEFORE CONSENT (2)", "FIRES AFTER REFUSAL (0)", "UNDECLARED IN THE CONFIG"]
    positions = [text.index(s) for s in [*sections, "ALL SEEN"]]
    assert positions == sorted(positions)
    assert "not checked: could not click 'Reject all' on the banner" in text
    assert "page /gone: 404" in text
    assert "Result: NOT CLEAN" in text
