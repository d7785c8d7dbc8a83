"""Where the widgets' files are: ``static/`` in a checkout, ``gateway/static/`` once installed."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def static_dir() -> Path:
    installed = _HERE / "static"
    return installed if installed.is_dir() else _HERE.parent / "static"
