"""Visiting pages and recording what they leave behind: cookies, storage keys, third-party hosts.

Pages are found breadth first from the start page through same-origin ``<a href>`` links, kept
as paths (a query string or fragment is dropped, so ``/shop?item=1`` and ``/shop`` are one page;
robots.txt is not consulted). A :class:`Recorder` listens to every request of a browser profile
and, after each page has settled, reads its cookies (names and attributes; values are dropped as
they arrive) and the page's storage keys.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gateway.scanner.matching import same_site
from gateway.scanner.model import Page, SeenCookie, SeenRequest, SeenStorage

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Request
    from playwright.async_api import Page as BrowserPage

# Links to files rather than pages: a browser would download them.
SKIP_EXTENSIONS = (
    ".pdf", ".zip", ".gz", ".dmg", ".exe", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp",
    ".mp3", ".mp4", ".webm", ".csv", ".xml", ".json", ".doc", ".docx", ".xls", ".xlsx",
)  # fmt: skip
DEFAULT_PORTS = {"http": 80, "https": 443}
_STORAGE_KEYS = """() => {
  const keys = (s) => { try { return Object.keys(s); } catch (e) { return []; } };
  return { local: keys(window.localStorage), session: keys(window.sessionStorage) };
}"""
_LINKS = "els => els.map(e => e.href).filter(h => typeof h === 'string')"


@dataclass(frozen=True)
class Timing:
    """How long to wait: for a page to load, for its network to go quiet, then for late timers."""

    timeout: float = 30.0
    idle: float = 5.0
    wait: float = 1.0


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` in lower case, default port left out."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS.get(scheme) else "")


def page_url(href: str, origin: str) -> str | None:
    """The page a link leads to, as ``origin + path``; ``None`` for another origin, another
    scheme (``mailto:``, ``javascript:``) or a file download."""
    parts = urlsplit(href.strip())
    if parts.scheme.lower() not in DEFAULT_PORTS or origin_of(href.strip()) != origin:
        return None
    path = parts.path or "/"
    if path.lower().endswith(SKIP_EXTENSIONS):
        return None
    return origin + path


@dataclass
class _Hits:
    page: str
    count: int = 0
    types: set[str] = field(default_factory=set)


class Recorder:
    """What one browser profile saw, page by page, since it was made or last :meth:`reset`."""

    def __init__(self, context: BrowserContext, site_host: str) -> None:
        self.context = context
        self.site_host = site_host
        self.page_path = "/"
        self.cookies: dict[tuple[str, str, str], SeenCookie] = {}
        self.storage: dict[tuple[str, str], SeenStorage] = {}
        self.hosts: dict[str, _Hits] = {}
        context.on("request", self._on_request)

    def reset(self) -> None:
        self.cookies.clear()
        self.storage.clear()
        self.hosts.clear()

    def _on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https", "ws", "wss") or not host:
            return
        if same_site(host, self.site_host):
            return
        hits = self.hosts.setdefault(host, _Hits(self.page_path))
        hits.count += 1
        hits.types.add(request.resource_type)

    async def snapshot(self, page: BrowserPage) -> None:
        for c in await self.context.cookies():
            expires = c.get("expires", -1)
            domain = c.get("domain", "")
            seen = SeenCookie(
                name=c.get("name", ""),
                domain=domain,
                path=c.get("path", "/"),
                expires=expires if expires and expires > 0 else None,
                http_only=bool(c.get("httpOnly")),
                secure=bool(c.get("secure")),
                same_site=str(c.get("sameSite", "Lax")),
                partitioned=bool(c.get("partitionKey")),
                first_party=same_site(domain, self.site_host),
                page=self.page_path,
            )
            self.cookies.setdefault(seen.key, seen)
        keys: dict[str, list[str]] = {"local": [], "session": []}
        with contextlib.suppress(Exception):  # a page that navigated away meanwhile
            keys = await page.evaluate(_STORAGE_KEYS)
        for area in ("local", "session"):
            for name in keys.get(area, []):
                item = SeenStorage(str(name), area, self.page_path)
                self.storage.setdefault(item.key, item)

    def requests(self) -> tuple[SeenRequest, ...]:
        return tuple(
            SeenRequest(host, tuple(sorted(h.types)), h.count, h.page)
            for host, h in sorted(self.hosts.items())
        )


async def visit(page: BrowserPage, url: str, recorder: Recorder, timing: Timing) -> Page:
    """Load one page, let it settle, record what it left."""
    from playwright.async_api import Error as PlaywrightError

    path = urlsplit(url).path or "/"
    recorder.page_path = path
    try:
        response = await page.goto(url, wait_until="load", timeout=timing.timeout * 1000)
    except PlaywrightError as exc:
        message = str(exc).strip().splitlines()
        return Page(path, None, message[0][:200] if message else type(exc).__name__)
    with contextlib.suppress(PlaywrightError):  # a page that never goes quiet is still recorded
        await page.wait_for_load_state("networkidle", timeout=timing.idle * 1000)
    if timing.wait > 0:
        # Scripts on timers (a tag that fires a second after load) get their chance.
        await asyncio.sleep(timing.wait)
    await recorder.snapshot(page)
    return Page(path, response.status if response is not None else None)


async def crawl(
    page: BrowserPage, start: str, limit: int, recorder: Recorder, timing: Timing
) -> AsyncIterator[Page]:
    """Visit up to ``limit`` pages breadth first from ``start``, yielding each once visited
    (the caller may look at the page before the crawl moves on)."""
    from playwright.async_api import Error as PlaywrightError

    origin = origin_of(start)
    queue, queued, visited = deque([start]), {start}, 0
    while queue and visited < limit:
        url = queue.popleft()
        result = await visit(page, url, recorder, timing)
        visited += 1
        if visited == 1 and result.status is not None:
            origin = origin_of(page.url)  # after a redirect (http to https, bare to www)
            queued.add(page_url(page.url, origin) or start)
        yield result
        if result.status is None or result.status >= 400:
            continue
        hrefs: list[str] = []
        with contextlib.suppress(PlaywrightError):
            hrefs = await page.eval_on_selector_all("a[href]", _LINKS)
        for href in hrefs:
            found = page_url(href, origin)
            if found is not None and found not in queued:
                queued.add(found)
                queue.append(found)
