"""The widgets of earlier releases, kept so that a site's pinned hashed URL outlives an upgrade.

A site that pins ``/widgets/consent.<hash>.js`` with an SRI hash holds the exact bytes of one
release. When a later release changes the widget, the current build gets a new hash; without the
old bytes the pinned URL would answer 404 and the site would lose its banner. So each release's
built widgets are frozen at release time into ``static/releases/<version>/<name>.js`` (the bytes
as served) and listed in ``static/releases/manifest.json``, newest first, with the SHA-256 and
SRI hash of each file. The package ships that folder; the gateway serves every file in it under
its own hash, immutable, next to the current build.

How many releases are kept is the manifest's ``keep`` (``DEFAULT_KEEP``): freezing a release
drops the oldest beyond it. A file whose bytes do not match its manifest entry stops the start:
serving a pinned URL with other bytes would only fail the site's SRI check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.web.static_files import static_dir

RELEASES_DIR = static_dir() / "releases"
MANIFEST = "manifest.json"
DEFAULT_KEEP = 8
_VERSION = re.compile(r"[0-9][0-9A-Za-z.+-]{0,40}")
_WIDGET = re.compile(r"[a-z][a-z0-9-]*")


class ReleaseError(Exception):
    """The releases folder is inconsistent, or a freeze would change a published release."""


@dataclass(frozen=True)
class Release:
    """One earlier release's widgets: name → the bytes it served."""

    version: str
    widgets: Mapping[str, bytes]


def _digests(body: bytes) -> dict[str, Any]:
    sri = base64.b64encode(hashlib.sha384(body).digest()).decode()
    return {
        "sha256": hashlib.sha256(body).hexdigest(),
        "integrity": f"sha384-{sri}",
        "bytes": len(body),
    }


def read_manifest(directory: Path = RELEASES_DIR) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.is_file():
        return {"keep": DEFAULT_KEEP, "releases": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("releases"), list):
        raise ReleaseError(f"{path} is not a releases manifest")
    return data


def load(directory: Path = RELEASES_DIR) -> list[Release]:
    """Every kept release, newest first, each file checked against its manifest entry."""
    releases = []
    for entry in read_manifest(directory)["releases"]:
        version = entry.get("version") if isinstance(entry, dict) else None
        widgets = entry.get("widgets") if isinstance(entry, dict) else None
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            raise ReleaseError(f"release entry {entry!r} has no valid version")
        if not isinstance(widgets, dict):
            raise ReleaseError(f"release {version} lists no widgets")
        bodies = {}
        for name, expected in widgets.items():
            if not isinstance(name, str) or not _WIDGET.fullmatch(name):
                raise ReleaseError(f"release {version} lists a widget with an invalid name")
            path = directory / version / f"{name}.js"
            try:
                body = path.read_bytes()
            except OSError:
                raise ReleaseError(f"{path} is listed in the manifest but missing") from None
            if not isinstance(expected, dict) or expected.get("sha256") != _digests(body)["sha256"]:
                raise ReleaseError(f"{path} does not match its manifest entry")
            bodies[name] = body
        releases.append(Release(version, bodies))
    return releases


def freeze(
    version: str,
    widgets: Mapping[str, bytes],
    directory: Path = RELEASES_DIR,
    *,
    keep: int | None = None,
    replace: bool = False,
) -> list[str]:
    """Write one release's built widgets and list it first; returns the versions dropped.

    Freezing a version again with the same bytes changes nothing; with other bytes it is refused
    unless ``replace``: sites may already have pinned what was published.
    """
    if not _VERSION.fullmatch(version):
        raise ReleaseError(f"{version!r} is not a release version")
    if not widgets or not all(_WIDGET.fullmatch(name) for name in widgets):
        raise ReleaseError("a release needs at least one widget, each with a valid name")
    manifest = read_manifest(directory)
    kept = int(keep if keep is not None else manifest.get("keep", DEFAULT_KEEP))
    if kept < 1:
        raise ReleaseError("at least one release must be kept")
    entries = [e for e in manifest["releases"] if isinstance(e, dict)]
    previous = next((e for e in entries if e.get("version") == version), None)
    entry = {"version": version, "widgets": {n: _digests(b) for n, b in sorted(widgets.items())}}
    if previous is not None and previous != entry and not replace:
        raise ReleaseError(
            f"release {version} is already frozen with other bytes; sites may have pinned it "
            "(use a new version, or --replace if it was never published)"
        )
    folder = directory / version
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, body in widgets.items():
        (folder / f"{name}.js").write_bytes(body)
    entries = [entry, *(e for e in entries if e.get("version") != version)]
    dropped = [str(e.get("version")) for e in entries[kept:]]
    for old in dropped:
        if _VERSION.fullmatch(old) and (directory / old).is_dir():
            shutil.rmtree(directory / old)
    listing = json.dumps({"keep": kept, "releases": entries[:kept]}, indent=2, sort_keys=True)
    (directory / MANIFEST).write_text(listing + "\n", encoding="utf-8")
    return dropped
