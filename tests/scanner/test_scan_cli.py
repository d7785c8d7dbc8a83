"""Usage errors of ``widget-gateway scan`` exit with 2 and say what is wrong, before any browser
is started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.keys.model import create_key
from gateway.keys.store import FileKeyStore
from tests.scanner.conftest import run_scan
from tests.support.aio import run as run_sync


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "bad.json").write_text(json.dumps({"categories": [{"id": "Ads"}]}))
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "broken.json").write_text("{")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ftp://shop.example/"], "not a web page address"),
        (["shop.example"], "not a web page address"),
        (["https://shop.example/", "--pages", "0"], "--pages must be from 1 to 200"),
        (["https://shop.example/", "--pages", "many"], "invalid int value"),
        (["https://shop.example/", "--timeout", "0"], "--timeout must be above 0"),
        (["https://shop.example/", "--key", "pk_x", "--config", "c.json"], "not allowed with"),
        (["https://shop.example/", "--key", "pk_nope"], "not a well-formed public key"),
        (["https://shop.example/", "--config", "{dir}/missing.json"], "cannot read the config"),
        (["https://shop.example/", "--config", "{dir}/broken.json"], "cannot read the config"),
        (["https://shop.example/", "--config", "{dir}/list.json"], "holds no consent config"),
        (["https://shop.example/", "--config", "{dir}/bad.json"], "categories.0.id"),
        (["https://shop.example/", "--browser", "{dir}/no-chromium"], "no browser at"),
        ([], "the following arguments are required: url"),
    ],
    ids=[
        "other-scheme",
        "no-scheme",
        "no-pages",
        "pages-not-a-number",
        "no-timeout",
        "key-and-config",
        "malformed-key",
        "missing-config-file",
        "config-not-json",
        "config-not-an-object",
        "config-invalid",
        "no-browser-there",
        "no-url",
    ],
)
def test_usage_errors_exit_with_2(files: Path, args: list[str], says: str) -> None:
    run = run_scan(files / "data", *(a.replace("{dir}", str(files)) for a in args))
    assert run.status == 2
    assert says in run.stderr
    assert not (files / "data" / "scan-report.json").exists()


def test_a_key_the_store_does_not_hold_is_a_usage_error(data_dir: Path) -> None:
    other = create_key("acct", "Elsewhere", ("https://shop.example",)).key
    run_sync(FileKeyStore(data_dir).put(other))
    unknown = create_key("acct", "Never stored").key.public_key
    run = run_scan(data_dir, "https://shop.example/", "--key", unknown)
    assert run.status == 2
    assert "no key with this public key exists [key_not_found]" in run.stderr
