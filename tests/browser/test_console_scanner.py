"""A key's last cookie scan in the owner console, in headless Chromium: none yet, then the
report ``widget-gateway scan --key`` stored, read only."""

from __future__ import annotations

from playwright.sync_api import expect

from gateway.db.engine import create_engine
from gateway.scanner.store import ScanReportStore
from tests.browser.conftest import Site
from tests.browser.test_console import IMG, Console, accept, console, create_key  # noqa: F401
from tests.scanner.samples import leaky_report
from tests.support.aio import run as run_sync


def store_scan(console: Console, public_key: str, account: str) -> None:  # noqa: F811
    async def save() -> None:
        engine = create_engine(f"sqlite:///{console.gw.data_dir / 'records.db'}")
        try:
            await ScanReportStore(engine).save(public_key, account, leaky_report(public_key))
        finally:
            await engine.dispose()

    run_sync(save())


def test_the_keys_last_scan_is_shown_under_the_key(console: Console, fresh_site: Site) -> None:  # noqa: F811
    owner = console.page()
    accept(owner, console.create_account())
    public_key = create_key(owner, "Shop", fresh_site.origin)
    scan = owner.locator("#d-scan")
    expect(scan.get_by_role("heading", name="Last cookie scan")).to_be_visible()
    expect(scan).to_contain_text("No scan yet. Run: widget-gateway scan")
    expect(scan).to_contain_text(f"--key {public_key}")

    account = owner.locator("#account").input_value()
    store_scan(console, public_key, account)
    owner.reload()
    owner.get_by_role("button", name="Show key Shop").click()
    expect(owner.locator("#scan-verdict")).to_contain_text("Something the visitor may refuse ran")
    expect(scan).to_contain_text(
        "Scanned https://shop.example at 2027-01-15 08:00:00 UTC (2 pages)"
    )
    row = scan.locator("table", has_text="Before any choice").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("cookie_gaanalyticsGA/leaky")
    # Read only: nothing in it to press.
    expect(scan.locator("button, input, select, textarea")).to_have_count(0)
    scan.screenshot(path=str(IMG / "console-scan.png"))
    assert owner.errors == []  # type: ignore[attr-defined]
