"""The leaky shop on loopback, a real gateway serving its consent widget, and the scan command
run as the site owner runs it: ``python -m gateway scan …`` in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from gateway.keys.model import create_key
from gateway.keys.store import FileKeyStore
from gateway.settings import Settings
from tests.scanner.leaky_site import (
    SITE_HOST,
    TRACKER_HOST,
    Addresses,
    consent_config,
    site_app,
    tracker_app,
)
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.servers import ServerThread

CHROMIUM = os.environ.get("WG_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Shop:
    addresses: Addresses
    data_dir: Path

    @property
    def site(self) -> str:
        return self.addresses.site

    @property
    def public_key(self) -> str:
        return self.addresses.public_key


@dataclass(frozen=True)
class ScanRun:
    status: int
    stdout: str
    stderr: str

    def report(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.stdout)
        return parsed


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}; scripts/test installs it")
    data_dir = tmp_path_factory.mktemp("scan") / "gateway-data"
    site_port, gateway_port, tracker_port = free_port(), free_port(), free_port()
    site = f"http://{SITE_HOST}:{site_port}"
    tracker = f"http://{TRACKER_HOST}:{tracker_port}"
    new = create_key("acct-shop", "Leaky shop", (site,))
    key = replace(new.key, consent_config=consent_config(TRACKER_HOST))
    run_sync(FileKeyStore(data_dir).put(key))
    addresses = Addresses(site, f"http://127.0.0.1:{gateway_port}", tracker, key.public_key)
    servers = [
        ServerThread(create_app(Settings(data_dir=data_dir)), port=gateway_port),
        ServerThread(site_app(addresses), port=site_port, host=SITE_HOST),
        ServerThread(tracker_app(), port=tracker_port),
    ]
    for server in servers:
        server.start()
    yield Shop(addresses, data_dir)
    for server in reversed(servers):
        server.stop()


def run_scan(data_dir: Path, *args: str) -> ScanRun:
    """``widget-gateway scan`` in a process of its own, as a site owner runs it."""
    env = {**os.environ, "GATEWAY_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "scan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=240,
    )
    return ScanRun(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def leaky_scan(shop: Shop) -> ScanRun:
    """One scan of the whole shop from its home page, against the shop's own key."""
    return run_scan(
        shop.data_dir,
        shop.site + "/",
        "--key",
        shop.public_key,
        "--json",
        "--wait",
        "0",
        "--browser",
        CHROMIUM,
    )
