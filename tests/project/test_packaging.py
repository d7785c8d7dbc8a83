"""The built wheel carries what an installed gateway serves: widgets, key manager, demo site."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from gateway.web import assets, releases

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_the_widgets_and_pages(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("widget_gateway-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    # The widgets and their parts (static/src/<widget>/*.js).
    src = ROOT / "static" / "src"
    sources = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.js"))
    assert {"prelude.js", "consent.js", "rights.js"} <= set(sources)
    for source in sources:
        assert f"gateway/static/src/{source}" in names
    # The widgets' built-in texts: without them an installed gateway cannot answer a config.
    for locale in sorted(p.name for p in (ROOT / "gateway" / "locales").glob("*.json")):
        assert f"gateway/locales/{locale}" in names
    assert {
        "gateway/static/admin/index.html",
        "gateway/static/admin/admin.js",
        # The pages an e-mailed link opens, and their shared parts.
        "gateway/static/portal/index.html",
        "gateway/static/permission/permission.js",
        "gateway/static/pages/base.css",
        "gateway/static/pages/link.js",
        "gateway/cli/demo_site/home.html",
        "gateway/py.typed",
        # The migrations run from the installed package, at start and by `widget-gateway db`.
        "gateway/db/migrations/env.py",
        "gateway/db/migrations/script.py.mako",
        "gateway/db/migrations/versions/0001_records.py",
    } <= names
    # The widgets of earlier releases, so that a site's pinned hashed URL survives an upgrade.
    kept = releases.load(ROOT / "static" / "releases")
    assert kept, "no earlier release is kept in static/releases"
    assert "gateway/static/releases/manifest.json" in names
    for release in kept:
        for name in release.widgets:
            assert f"gateway/static/releases/{release.version}/{name}.js" in names
    # An installed gateway assembles, from its copy of the sources, byte for byte the widgets
    # that the tests load in the browser.
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(installed, [f"gateway/static/src/{source}" for source in sources])
    served = assets.load_assets(installed / "gateway" / "static" / "src")
    checkout = assets.load_assets(ROOT / "static" / "src")
    assert {name: a.body for name, a in served.items()} == {
        name: a.body for name, a in checkout.items()
    }
