"""The widgets' pure helpers (cookie, contrast, e-mail check, base URL, serialising), tested with
Node's own test runner on the sources the gateway serves: ``tests/web/js/*.test.mjs``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

JS_TESTS = Path(__file__).parent / "js"


def test_widget_helpers_pass_under_node() -> None:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed for the widgets' unit tests; scripts/test installs it")
    run = subprocess.run(
        [node, "--test", str(JS_TESTS)], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
    assert "# pass 0" not in run.stdout  # the files were found and ran
