"""``widget-gateway widgets freeze|list``: the release step that keeps pinned widget URLs alive.

``freeze`` is run from a checkout when a version is released: it writes the widgets as the gateway
serves them now into ``static/releases/<version>/`` and lists them in the releases manifest, so
the next versions' packages keep serving them under their hashes (``--from DIR`` freezes files
already built, such as an older package's). ``list`` prints what the package keeps.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway import __version__
from gateway.settings import Settings
from gateway.web import assets, releases


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "widgets", help="freeze a release's widgets so that pinned hashed URLs keep working"
    )
    cmds = p.add_subparsers(dest="widgets_command", required=True)
    freeze = cmds.add_parser("freeze", help="keep this release's built widgets in the package")
    freeze.add_argument("--version", default=__version__, help="release version (default: this)")
    freeze.add_argument(
        "--from",
        dest="built",
        type=Path,
        metavar="DIR",
        help="freeze the <name>.js files in DIR as they are, instead of building the sources",
    )
    freeze.add_argument("--keep", type=int, help="how many releases to keep (default: manifest's)")
    freeze.add_argument(
        "--releases", type=Path, default=releases.RELEASES_DIR, help="the releases folder"
    )
    freeze.add_argument(
        "--replace", action="store_true", help="overwrite a frozen version with other bytes"
    )
    freeze.set_defaults(run_sync=cmd_freeze)
    listing = cmds.add_parser("list", help="print the kept releases and their hashed URLs")
    listing.add_argument(
        "--releases", type=Path, default=releases.RELEASES_DIR, help="the releases folder"
    )
    listing.set_defaults(run_sync=cmd_list)


def cmd_freeze(args: argparse.Namespace, settings: Settings) -> int:
    if args.built is not None:
        bodies = {p.stem: p.read_bytes() for p in sorted(Path(args.built).glob("*.js"))}
    else:
        bodies = {name: a.body for name, a in assets.load_assets().items()}
    dropped = releases.freeze(
        args.version, bodies, args.releases, keep=args.keep, replace=args.replace
    )
    for name, body in sorted(bodies.items()):
        print(f"{args.version}  /widgets/{name}.{assets.digest_of(body)}.js")
    for version in dropped:
        print(f"dropped release {version} (beyond the number kept)")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    for release in releases.load(args.releases):
        for name, body in sorted(release.widgets.items()):
            print(f"{release.version}  /widgets/{name}.{assets.digest_of(body)}.js")
    return 0
