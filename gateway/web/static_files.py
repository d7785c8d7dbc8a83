"""Where the widgets' files are: ``static/`` in a checkout, ``gateway/static/`` once installed."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def static_dir() -> Path:
    installed = _PACKAGE / "static"
    return installed if installed.is_dir() else _PACKAGE.parent / "static"
