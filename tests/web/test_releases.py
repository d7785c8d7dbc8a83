"""Pinned widget URLs outlive an upgrade: earlier releases' widgets are kept and served by hash."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from gateway.web import assets, releases

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "static" / "releases"


def client(source: Path, releases_dir: Path) -> TestClient:
    return TestClient(Starlette(routes=assets.routes(source, releases_dir)))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the widgets' sources, free to change as a new release would."""
    return Path(shutil.copytree(ROOT / "static" / "src", tmp_path / "src"))


def test_a_pinned_hash_keeps_its_bytes_after_the_widget_changes(
    source: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "releases"
    released = assets.load_assets(source)["consent"]
    releases.freeze("1.0.0", {n: a.body for n, a in assets.load_assets(source).items()}, folder)
    # The next release changes the banner's source: the current build gets a new hash.
    with (source / "consent.js").open("a", encoding="utf-8") as f:
        f.write("\nnamespace.nextRelease = true;\n")
    current = assets.load_assets(source)["consent"]
    assert current.digest != released.digest

    with client(source, folder) as http:
        pinned = http.get(released.hashed_path, headers={"Accept-Encoding": "identity"})
        assert pinned.status_code == 200
        assert pinned.content == released.body
        assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert pinned.headers["content-type"] == "text/javascript; charset=utf-8"
        assert pinned.headers["access-control-allow-origin"] == "*"  # SRI needs CORS
        # Compressed too, and revalidated by its own ETag.
        gz = http.get(released.hashed_path, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip" and gz.content == released.body
        revalidate = {"Accept-Encoding": "gzip", "If-None-Match": gz.headers["etag"]}
        assert http.get(released.hashed_path, headers=revalidate).status_code == 304
        # The stable URL and the new hash are the new release.
        assert http.get("/widgets/consent.js").content == current.body
        assert http.get(current.hashed_path).content == current.body
        listing = http.get("/widgets/releases.json").json()
        assert listing["releases"]["1.0.0"]["consent"] == {
            "url": released.hashed_path,
            "integrity": released.integrity,
        }
        assert listing["current"]["consent"]["url"] == current.hashed_path

    # Without the kept release, the pinned URL is gone: the site would lose its banner.
    with client(source, tmp_path / "no-releases") as http:
        assert http.get(released.hashed_path).status_code == 404


def test_the_package_serves_the_widgets_of_the_releases_it_keeps() -> None:
    manifest = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["releases"], "static/releases keeps no release"
    with TestClient(Starlette(routes=assets.routes())) as http:
        for entry in manifest["releases"]:
            for name, expected in entry["widgets"].items():
                body = (SHIPPED / entry["version"] / f"{name}.js").read_bytes()
                url = f"/widgets/{name}.{expected['sha256'][:12]}.js"
                answer = http.get(url, headers={"Accept-Encoding": "identity"})
                assert answer.status_code == 200, url
                assert answer.content == body
                listed = http.get("/widgets/releases.json").json()["releases"]
                assert listed[entry["version"]][name]["integrity"] == expected["integrity"]


def test_freezing_keeps_the_newest_releases_and_never_changes_a_published_one(
    tmp_path: Path,
) -> None:
    for n in range(1, 5):
        dropped = releases.freeze(f"1.{n}.0", {"consent": f"v{n}".encode()}, tmp_path, keep=3)
    assert dropped == ["1.1.0"]
    assert [r.version for r in releases.load(tmp_path)] == ["1.4.0", "1.3.0", "1.2.0"]
    assert not (tmp_path / "1.1.0").exists()
    # The same bytes again change nothing; other bytes under a published version are refused.
    releases.freeze("1.4.0", {"consent": b"v4"}, tmp_path)
    with pytest.raises(releases.ReleaseError, match="already frozen"):
        releases.freeze("1.4.0", {"consent": b"changed"}, tmp_path)
    assert (tmp_path / "1.4.0" / "consent.js").read_bytes() == b"v4"
    # The manifest remembers how many are kept.
    releases.freeze("1.5.0", {"consent": b"v5"}, tmp_path)
    assert [r.version for r in releases.load(tmp_path)] == ["1.5.0", "1.4.0", "1.3.0"]


def test_a_release_file_that_does_not_match_the_manifest_stops_the_start(tmp_path: Path) -> None:
    releases.freeze("1.0.0", {"consent": b"the published bytes"}, tmp_path)
    (tmp_path / "1.0.0" / "consent.js").write_bytes(b"something else")
    with pytest.raises(releases.ReleaseError, match="does not match"):
        assets.routes(releases_dir=tmp_path)


def test_the_release_step_freezes_the_widgets_as_served(tmp_path: Path) -> None:
    folder = tmp_path / "releases"
    command = [sys.executable, "-m", "gateway", "widgets", "freeze", "--version", "9.0.0"]
    done = subprocess.run(
        [*command, "--releases", str(folder)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    served = assets.load_assets()
    for name, asset in served.items():
        assert (folder / "9.0.0" / f"{name}.js").read_bytes() == asset.body
        assert asset.hashed_path in done.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "gateway", "widgets", "list", "--releases", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served["consent"].hashed_path in listed.stdout
