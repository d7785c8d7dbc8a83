"""Fixtures for widget tests in a real headless Chromium.

A real gateway runs on ``http://127.0.0.1:PORT`` (uvicorn, embedded default, a fresh data folder)
and a test site on another origin, ``http://localhost:PORT2``, serves the pages a test gives it —
so every widget call is a genuine cross-origin request, checked against the key's allow list.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gateway.app import create_app
from gateway.keys.model import NewKey, create_key
from gateway.keys.store import FileKeyStore
from gateway.settings import Settings
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.servers import ServerThread

CHROMIUM = os.environ.get("WG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class Site:
    """A website on its own origin that serves whatever pages a test puts in it."""

    port: int
    pages: dict[str, str] = field(default_factory=dict)
    # Extra response headers for some pages, such as a Content-Security-Policy.
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    def add(self, path: str, html: str, headers: dict[str, str] | None = None) -> str:
        self.pages[path] = html
        if headers:
            self.headers[path] = headers
        else:
            self.headers.pop(path, None)
        return self.origin + path


def _site_app(site: Site) -> Starlette:
    async def serve(request: Request) -> Response:
        html = site.pages.get(request.url.path)
        if html is None:
            return Response("not found", status_code=404)
        headers = {"Cache-Control": "no-store", **site.headers.get(request.url.path, {})}
        return HTMLResponse(html, headers=headers)

    return Starlette(routes=[Route("/{path:path}", serve)])


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    port = free_port()
    s = Site(port)
    server = ServerThread(_site_app(s), port=port)
    server.start()
    yield s
    server.stop()


@pytest.fixture
def fresh_site(site: Site) -> Site:
    """The session's site with no pages left over from another test."""
    site.pages.clear()
    site.headers.clear()
    return site


@dataclass
class Gateway:
    """A real gateway process-alike: uvicorn in a thread, stoppable and restartable on its port."""

    settings: Settings
    key: NewKey
    port: int
    server: ServerThread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def start(self) -> Gateway:
        self.server = ServerThread(create_app(self.settings), port=self.port)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def put_key(self, key: Any) -> None:
        """Write a changed key record to the gateway's store (seen within the cache's TTL)."""
        run_sync(FileKeyStore(self.data_dir).put(key))

    def snippet(self, widget: str, **attrs: str) -> str:
        extra = "".join(f' data-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
        return (
            f'<script src="{self.url}/widgets/{widget}.js" '
            f'data-key="{self.key.key.public_key}"{extra} async></script>'
        )


def make_gateway(data_dir: Path, origins: tuple[str, ...], **overrides: Any) -> Gateway:
    settings = replace(Settings(data_dir=data_dir, key_cache_ttl=0.2), **overrides)
    key = create_key("acct-test", "Test site", origins)
    run_sync(FileKeyStore(data_dir).put(key.key))
    return Gateway(settings, key, free_port())


@pytest.fixture
def gateway(tmp_path: Path, site: Site) -> Iterator[Gateway]:
    """A running gateway whose key allows the test site's origin."""
    gw = make_gateway(tmp_path / "gateway-data", (site.origin,)).start()
    yield gw
    gw.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}; scripts/test installs it")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class ConsoleLog(list[ConsoleMessage]):
    def texts(self, kind: str | None = None) -> list[str]:
        return [m.text for m in self if kind is None or m.type == kind]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (options such as ``viewport`` go to the context);
    ``page.console`` collects console messages and ``page.errors`` uncaught page errors (a widget
    must never throw into the host page). Every context is closed after the test."""
    contexts: list[BrowserContext] = []

    def open_one(**context_options: Any) -> Page:
        context = browser.new_context(**context_options)
        contexts.append(context)
        p = context.new_page()
        console = ConsoleLog()
        errors: list[str] = []
        p.on("console", lambda message: console.append(message))
        p.on("pageerror", lambda exc: errors.append(str(exc)))
        p.console = console  # type: ignore[attr-defined]
        p.errors = errors  # type: ignore[attr-defined]
        return p

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """A page in a fresh browser context (see ``open_page``)."""
    return open_page()


@pytest.fixture
def other_site() -> Iterator[Site]:
    """A second website, on an origin no test key allows."""
    port = free_port()
    s = Site(port)
    server = ServerThread(_site_app(s), port=port)
    server.start()
    yield s
    server.stop()
