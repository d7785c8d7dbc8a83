"""``widget-gateway demo``: one command, two origins, a key reused across runs, clean stops."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from gateway.cli.demo_site import DemoSite, create_site_app
from tests.support.demo import ROOT, Demo


@pytest.fixture
def demos() -> Iterator[list[Demo]]:
    """Demo runs of a test, killed if the test left one running."""
    runs: list[Demo] = []
    yield runs
    for demo in runs:
        demo.kill()


def test_a_second_run_reuses_the_key_and_signals_stop_it_cleanly(
    tmp_path: Path, demos: list[Demo]
) -> None:
    data = tmp_path / "demo-data"
    first = Demo(data)
    demos.append(first)
    first.start()
    pk, state = first.key()
    assert state == "created"
    # What runs where is said before anyone has to guess.
    assert any(first.gateway_url in line for line in first.lines)
    assert any(first.site_url in line and "open this" in line for line in first.lines)

    home = httpx.get(first.site_url + "/")
    assert home.status_code == 200
    assert (
        f'<script src="{first.gateway_url}/widgets/consent.js" data-key="{pk}" async>' in home.text
    )
    ready = httpx.get(first.gateway_url + "/readyz")
    assert ready.json()["status"] == "ok"
    # The key lets the demo site's origin use the widgets: a real preflight-free CORS answer.
    config = httpx.get(
        f"{first.gateway_url}/v1/{pk}/consent/config", headers={"Origin": first.site_url}
    )
    assert config.status_code == 200
    assert config.headers["access-control-allow-origin"] == first.site_url
    # Browsers ask both origins for an icon: no 404 in every page's console.
    for origin in (first.gateway_url, first.site_url):
        assert httpx.get(origin + "/favicon.ico").status_code == 204

    # How to open the key manager is printed, with a token that opens it.
    [manager] = [line for line in first.lines if "/admin/" in line]
    assert f"{first.gateway_url}/admin/" in manager
    token = manager.rsplit("admin token: ", 1)[1].strip()
    listed = httpx.get(
        first.gateway_url + "/admin/v1/keys?account=demo",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert listed.status_code == 200
    assert [k["public_key"] for k in listed.json()["keys"]] == [pk]
    # And the console: the printed command, run as printed, invites an owner to it.
    assert any(f"{first.gateway_url}/console/" in line for line in first.lines)
    [command] = [line.strip() for line in first.lines if "accounts create" in line]
    assignments, _, rest = command.partition(" widget-gateway ")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(part.split("=", 1) for part in assignments.split())
    invited = subprocess.run(
        [sys.executable, "-m", "gateway", *shlex.split(rest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert invited.returncode == 0, invited.stderr
    assert f"{first.gateway_url}/console/#invitation=" in invited.stdout

    assert first.stop(signal.SIGINT) == 0
    assert first.lines[-1] == "Stopped."

    second = Demo(data)
    demos.append(second)
    second.start()
    assert second.key() == (pk, "reused")
    keys = json.loads((data / "keys.json").read_text())["keys"]
    assert list(keys) == [pk]
    # The reused key follows the site to its new port.
    assert keys[pk]["origins"] == [second.site_url]
    assert second.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("which", ["gateway", "site"], ids=["gateway-port", "site-port"])
def test_a_taken_port_is_named_with_the_option_that_changes_it(tmp_path: Path, which: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        demo = Demo(
            tmp_path / "d", **({"port": port} if which == "gateway" else {"site_port": port})
        )
        done = subprocess.run(
            demo.args(), cwd=ROOT, env=demo.env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    option = "--port" if which == "gateway" else "--site-port"
    assert f"port {port}" in done.stderr
    assert option in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "d" / "keys.json").exists()


def test_the_records_page_shows_what_visitors_typed_escaped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    consent = {
        "type": "consent",
        "record_id": "cr_1",
        "action": "custom",
        "categories": {"necessary": True, "analytics": True, "marketing": False},
        "received_at": "2025-01-02T03:04:05.000Z",
        "page_url": 'http://localhost:8001/"><img src=x onerror=alert(1)>',
    }
    rights = {
        "kind": "rights_request",
        "reference": "RR-ABCD-EFGH",
        "type": "gdpr_access",
        "email": "ada@example.org",
        "message": "<script>alert(2)</script>",
        "received_at": "2025-01-02T03:04:06+00:00",
        "respond_by": "2025-02-02",
    }
    (data / "consent.jsonl").write_text(json.dumps(consent) + "\n" + '{"torn\n')
    (data / "rights.jsonl").write_text(json.dumps(rights) + "\n")
    site = DemoSite("http://127.0.0.1:8000", "http://localhost:8001", "pk_x", data)
    page = TestClient(create_site_app(site)).get("/records").text
    assert "<script>alert(2)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "RR-ABCD-EFGH" in page and "necessary, analytics" in page
    assert "1 line(s) could not be read" in page
