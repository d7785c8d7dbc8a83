"""``widget-gateway scan`` against a shop that leaks on purpose (tests/scanner/leaky_site.py),
run in its own process with real headless Chromium, a real gateway serving the consent widget,
and a tracker on another loopback origin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gateway.db.engine import create_engine
from gateway.scanner.store import ScanReportStore, StoredScan
from tests.scanner.conftest import CHROMIUM, ROOT, ScanRun, Shop, run_scan
from tests.scanner.leaky_site import TRACKER_HOST
from tests.support.aio import run as run_sync
from tests.support.processes import free_port

pytestmark = pytest.mark.browser

SCHEMA = json.loads((ROOT / "docs/schemas/scan-report.schema.json").read_text())


def named(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [i for i in items if i["name"] == name]
    assert found, f"{name} not in {[i['name'] for i in items]}"
    return found[0]


def phase(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = next(p for p in report["phases"] if p["name"] == name)["items"]
    return items


def test_ga_set_by_an_inline_script_fires_before_consent_under_analytics(
    leaky_scan: ScanRun,
) -> None:
    assert leaky_scan.status == 1, leaky_scan.stderr
    ga = named(leaky_scan.report()["fires_before_consent"], "_ga")
    assert (ga["kind"], ga["category"], ga["vendor"], ga["page"]) == (
        "cookie",
        "analytics",
        "Google Analytics",
        "/leaky",
    )
    assert (ga["party"], ga["session"], ga["same_site"]) == ("first", False, "Lax")


def test_the_trackers_pixel_is_a_third_party_request_before_consent(leaky_scan: ScanRun) -> None:
    before = leaky_scan.report()["fires_before_consent"]
    pixel = named(before, TRACKER_HOST)
    assert (pixel["kind"], pixel["party"], pixel["resource_types"], pixel["page"]) == (
        "request",
        "third",
        ["image"],
        "/tracker",
    )
    assert (pixel["category"], pixel["service"]) == ("marketing", "pixel")
    # Its cookie is third-party, and belongs where the tracker's host is declared.
    trk = named(before, "trk")
    assert (trk["party"], trk["domain"], trk["same_site"], trk["secure"]) == (
        "third",
        TRACKER_HOST,
        "None",
        True,
    )
    assert trk["category"] == "marketing"


def test_nothing_from_the_page_that_waits_for_consent_fires_before_it(
    leaky_scan: ScanRun,
) -> None:
    report = leaky_scan.report()
    assert "/polite" in [p["path"] for p in report["pages"]]
    assert [i for i in report["fires_before_consent"] if i["page"] == "/polite"] == []
    for name in ("before_consent", "after_reject"):
        assert "polite_visits" not in [i["name"] for i in phase(report, name)]


def test_after_accept_all_the_blocked_script_has_set_its_cookie(leaky_scan: ScanRun) -> None:
    polite = named(phase(leaky_scan.report(), "after_accept"), "polite_visits")
    assert (polite["category"], polite["service"], polite["page"]) == (
        "analytics",
        "stats",
        "/polite",
    )


def test_a_refusal_does_not_stop_what_the_site_sets_regardless(leaky_scan: ScanRun) -> None:
    report = leaky_scan.report()
    after = {i["name"] for i in report["fires_after_refusal"]}
    assert {"_ga", "_hjid", TRACKER_HOST, "trk"} <= after
    # The refusal itself was stored: the widget's cookie, necessary.
    consent = named(phase(report, "after_reject"), "wg_consent")
    assert (consent["source"], consent["necessary"]) == ("widget", True)


def test_what_stopped_with_the_refusal_is_not_reported_after_it(leaky_scan: ScanRun) -> None:
    # The home page sets _gcl_au only while no choice exists: it fires before consent, and the
    # cookie left by the first load is not mistaken for one set after the refusal.
    report = leaky_scan.report()
    gcl = named(report["fires_before_consent"], "_gcl_au")
    assert (gcl["category"], gcl["vendor"], gcl["page"]) == ("marketing", "Google Ads", "/")
    assert "_gcl_au" not in [i["name"] for i in report["fires_after_refusal"]]


def test_what_the_config_does_not_declare_is_listed_with_a_suggestion(
    leaky_scan: ScanRun,
) -> None:
    undeclared = leaky_scan.report()["undeclared"]
    assert [i["name"] for i in undeclared] == ["_gcl_au", "_hjid"]
    hotjar = undeclared[1]
    assert (hotjar["category"], hotjar["vendor"], hotjar["source"]) == (
        "analytics",
        "Hotjar",
        "builtin",
    )
    assert hotjar["phases"] == ["before_consent", "after_reject", "after_accept"]
    assert undeclared[0]["phases"] == ["before_consent"]


def test_pages_are_found_breadth_first_as_paths_on_the_site_only(leaky_scan: ScanRun) -> None:
    # /about?from=home#top is /about; /leaky#again is /leaky; the tracker's page, mailto: and
    # the PDF are not visited.
    assert [(p["path"], p["status"]) for p in leaky_scan.report()["pages"]] == [
        ("/", 200),
        ("/leaky", 200),
        ("/tracker", 200),
        ("/polite", 200),
        ("/about", 200),
    ]


def test_the_json_matches_its_schema_and_is_kept_in_the_data_folder(
    leaky_scan: ScanRun, shop: Shop
) -> None:
    report = leaky_scan.report()
    jsonschema.validate(report, SCHEMA)
    assert report["banner"]["found"] is True
    assert report["banner"]["public_key"] == shop.public_key
    assert report["config"]["source"] == "key"
    saved = shop.data_dir / "scan-report.json"
    assert json.loads(saved.read_text())["phases"] == report["phases"]


def test_the_report_is_stored_as_the_keys_last_scan_in_the_gateways_database(
    leaky_scan: ScanRun, shop: Shop
) -> None:
    # The gateway the shop runs on (the embedded default) keeps its database in the data folder.
    assert "Report stored as the key's last scan" in leaky_scan.stderr

    async def stored() -> StoredScan | None:
        engine = create_engine(f"sqlite:///{shop.data_dir / 'records.db'}")
        try:
            return await ScanReportStore(engine).last(shop.public_key)
        finally:
            await engine.dispose()

    last = run_sync(stored())
    assert last is not None
    assert (last.account, last.site, last.clean) == ("acct-shop", shop.site, False)
    assert last.report == leaky_scan.report()
    assert "_ga" in [i["name"] for i in last.report["fires_before_consent"]]


def test_the_clicks_leave_no_choice_in_the_sites_consent_log(
    leaky_scan: ScanRun, shop: Shop
) -> None:
    assert leaky_scan.status == 1
    log = shop.data_dir / "consent.jsonl"
    assert not log.exists() or log.read_text() == ""


def test_no_cookie_or_storage_value_reaches_the_report(leaky_scan: ScanRun, shop: Shop) -> None:
    saved = (shop.data_dir / "scan-report.json").read_text()
    for value in ("GA1.1.42.42", "1.1.7", "t-1", "'x'", "v=1&id="):
        assert value not in leaky_scan.stdout
        assert value not in saved


def test_a_site_that_waits_for_consent_scans_clean(shop: Shop, tmp_path: Path) -> None:
    run = run_scan(
        tmp_path,
        shop.site + "/polite?utm_source=mail",
        "--config",
        str(_key_config(shop, tmp_path)),
        "--pages",
        "1",
        "--wait",
        "0",
        "--browser",
        CHROMIUM,
    )
    assert run.status == 0, run.stdout + run.stderr
    assert "FIRES BEFORE CONSENT (0)" in run.stdout
    assert "FIRES AFTER REFUSAL (0)" in run.stdout
    assert "Result: clean." in run.stdout
    # Accepting ran the blocked script: its cookie is in the table's last phase.
    accepted = run.stdout[run.stdout.index("after Accept all") :]
    assert "polite_visits" in accepted
    saved = json.loads((tmp_path / "scan-report.json").read_text())
    assert saved["clean"] is True
    assert [p["path"] for p in saved["pages"]] == ["/polite"]


def test_a_page_without_the_banner_is_scanned_before_consent_only(
    shop: Shop, tmp_path: Path
) -> None:
    run = run_scan(
        tmp_path, shop.site + "/bare", "--pages", "1", "--wait", "0", "--browser", CHROMIUM
    )
    assert run.status == 1, run.stderr
    before = run.stdout[run.stdout.index("FIRES BEFORE CONSENT") : run.stdout.index("FIRES AFTER")]
    assert "_fbp" in before and "marketing" in before and "Meta Pixel" in before
    assert "Consent banner: not found (no consent widget on the start page" in run.stdout
    after = run.stdout[run.stdout.index("FIRES AFTER REFUSAL") : run.stdout.index("UNDECLARED")]
    assert "not checked" in after


def _key_config(shop: Shop, tmp_path: Path) -> Path:
    """The shop's consent config in a file, as ``keys show --json`` would give it."""
    from tests.scanner.leaky_site import consent_config

    path = tmp_path / "config.json"
    path.write_text(json.dumps({"consent_config": consent_config(TRACKER_HOST)}))
    return path


def test_a_site_that_cannot_be_reached_is_a_usage_error(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/shop?session=abc"
    run = run_scan(tmp_path, closed, "--browser", CHROMIUM, "--timeout", "10")
    assert run.status == 2
    assert "could not load http://127.0.0.1:" in run.stderr
    assert "session=abc" not in run.stderr  # the query string never leaves the command line
    assert not (tmp_path / "scan-report.json").exists()
