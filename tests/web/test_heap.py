"""Start-up's objects are frozen out of the garbage collector's full passes, once per process:
a full collection then walks only what requests create, not the whole started app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
import gc, json, sys
from pathlib import Path
from tests.gwclient import client_for, settings_for

seen = [gc.get_freeze_count()]
for n in range(2):
    with client_for(settings_for(Path(sys.argv[1]) / str(n))) as gw:
        assert gw.get("/healthz").status_code == 200
        seen.append(gc.get_freeze_count())
print(json.dumps(seen))
"""


def test_the_first_app_a_process_starts_freezes_the_heap_and_no_later_one_does(
    tmp_path: Path,
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    before, first, second = json.loads(run.stdout.strip().splitlines()[-1])
    assert before == 0
    # The started app's modules, routes, locales and services: far more than a handful.
    assert first > 50_000
    # A second freeze would add the second app's objects; frozen ones may only be freed since.
    assert second <= first
