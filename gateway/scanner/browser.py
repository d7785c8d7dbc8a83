"""Headless Chromium for a scan: found, launched in a fresh profile per phase, closed.

Playwright is an optional extra (``pip install 'widget-gateway[scan]'``); without it, or without
a Chromium to drive, a scan stops with a :class:`ScanError` that says what to install. Each phase
gets a new persistent profile in a temporary folder rather than an incognito context: Chromium
blocks third-party cookies in incognito (and, lately, by default), while most visitors' browsers
still accept them, so the profile is told to accept them and the scan sees the worst case.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.scanner.model import ScanError

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Playwright

ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# profile.cookie_controls_mode 0: third-party cookies allowed (1 blocks them in incognito, 2 always)
PREFERENCES = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
INSTALL_PLAYWRIGHT = (
    "the scanner needs Playwright: pip install 'widget-gateway[scan]' (then a Chromium: "
    "apt-get install chromium, or python -m playwright install chromium)"
)


def find_chromium(explicit: str | None = None) -> str | None:
    """The browser to drive: ``explicit``, ``WG_CHROMIUM``, or the first Chromium on ``PATH``;
    ``None`` lets Playwright use its own download (``python -m playwright install chromium``)."""
    wanted = explicit or os.environ.get("WG_CHROMIUM")
    if wanted:
        path = shutil.which(wanted) or (wanted if Path(wanted).is_file() else None)
        if path is None:
            raise ScanError(f"no browser at {wanted}")
        return path
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@contextlib.asynccontextmanager
async def playwright() -> AsyncIterator[Playwright]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        raise ScanError(INSTALL_PLAYWRIGHT) from None
    async with async_playwright() as pw:
        yield pw


@contextlib.asynccontextmanager
async def fresh_profile(
    pw: Playwright, executable: str | None, user_agent: str | None = None
) -> AsyncIterator[BrowserContext]:
    """A browser with an empty profile that accepts third-party cookies; removed afterwards."""
    from playwright.async_api import Error as PlaywrightError

    with tempfile.TemporaryDirectory(prefix="wg-scan-") as folder:
        (Path(folder) / "Default").mkdir()
        (Path(folder) / "Default" / "Preferences").write_text(json.dumps(PREFERENCES))
        try:
            context = await pw.chromium.launch_persistent_context(
                folder,
                executable_path=executable,
                args=list(ARGS),
                headless=True,
                user_agent=user_agent,
            )
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            hint = "pass --browser PATH, apt-get install chromium, or python -m playwright install"
            raise ScanError(f"could not start Chromium ({first}); {hint} chromium") from None
        try:
            yield context
        finally:
            await context.close()
