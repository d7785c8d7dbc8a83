"""The running version, where an operator looks for it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from gateway import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_version_flag_prints_the_package_version() -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "gateway", "--version"], capture_output=True, text=True, timeout=60
    )
    assert answer.returncode == 0
    assert answer.stdout.strip() == f"widget-gateway {__version__}"


def test_one_version_everywhere() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == __version__
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {__version__}" in changelog
