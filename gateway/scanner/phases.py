"""The three phases of a scan, each in a fresh browser profile.

``before_consent``: the pages are crawled and the banner left alone. ``after_reject`` and
``after_accept``: the start page is loaded, the banner's *Reject all* or *Accept all* button is
clicked (found by its role and its label in the page's language, inside the widget's shadow
root), every cookie and storage key but the widget's own choice is then forgotten, and the pages
are visited again: whatever appears from there on is what the site does under that choice.

The consent records the clicks would send are stopped in the browser, so a scan never adds
choices to the site's consent log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gateway.scanner.browser import find_chromium, fresh_profile, playwright
from gateway.scanner.crawl import Recorder, Timing, crawl, origin_of, visit
from gateway.scanner.model import Banner, Observations, Page, Phase, ScanError

if TYPE_CHECKING:
    from playwright._impl._api_structures import SetCookieParam  # not re-exported
    from playwright.async_api import BrowserContext, ConsoleMessage, Playwright, Route
    from playwright.async_api import Page as BrowserPage

_RECORDS = re.compile(r"/v1/[^/?#]+/consent$")
_WARNING = "Widget Gateway consent:"
_WIDGET_SCRIPT = """() => {
  const s = document.querySelector('script[data-key][src*="/widgets/consent"]');
  return s ? { key: s.dataset.key, src: s.src } : null;
}"""
# The config the widget keeps once the gateway has answered: its texts are the banner's labels.
_WIDGET_CONFIG = """(key) => {
  try { return JSON.parse(localStorage.getItem("wg:cfg:" + key)); } catch (e) { return null; }
}"""
_FORGET_STORAGE = """() => {
  try { Object.keys(localStorage).forEach(k => { if (!k.startsWith("wg:")) localStorage.removeItem(k); }); } catch (e) {}
  try { sessionStorage.clear(); } catch (e) {}
}"""  # noqa: E501


@dataclass(frozen=True)
class Options:
    pages: int = 10
    timing: Timing = field(default_factory=Timing)
    browser: str | None = None  # a Chromium executable; None: found on PATH


async def scan(start: str, options: Options) -> Observations:
    """Run the three phases against ``start`` (a page URL without query string)."""
    executable = find_chromium(options.browser)
    site = origin_of(start)
    async with playwright() as pw:
        first, pages, banner = await _before_consent(pw, executable, start, options)
        phases = [first]
        loaded = [site + p.path for p in pages if p.status is not None and p.status < 400]
        for choice in (("after_reject", "reject_all"), ("after_accept", "accept_all")):
            if banner.found:
                where = (site + pages[0].path, loaded)
                phase = await _after_choice(pw, executable, choice, where, banner, options)
            else:
                phase = Phase(choice[0], False, note=banner.note)
            phases.append(phase)
    warnings = {w for p in phases for w in p.warnings}
    notes = dict.fromkeys(p.note for p in phases if not p.ran and p.note)
    return Observations(site, tuple(pages), banner, tuple(phases), (*sorted(warnings), *notes))


async def _open(context: BrowserContext, warnings: set[str]) -> BrowserPage:
    async def stop_records(route: Route) -> None:
        if route.request.method == "POST":
            await route.abort("blockedbyclient")
        else:
            await route.continue_()

    def on_console(message: ConsoleMessage) -> None:
        if message.text.startswith(_WARNING):
            warnings.add(message.text)

    await context.route(_RECORDS, stop_records)
    page = context.pages[0] if context.pages else await context.new_page()
    page.on("console", on_console)
    return page


async def _before_consent(
    pw: Playwright, executable: str | None, start: str, options: Options
) -> tuple[Phase, list[Page], Banner]:
    warnings: set[str] = set()
    async with fresh_profile(pw, executable) as context:
        page = await _open(context, warnings)
        recorder = Recorder(context, _host(start))
        pages: list[Page] = []
        banner = Banner(False, note="the start page could not be loaded")
        async for result in crawl(page, start, options.pages, recorder, options.timing):
            if not pages:
                if result.status is None:
                    raise ScanError(f"could not load {start}: {result.error}")
                banner = await _find_banner(page, options.timing)
            pages.append(result)
        phase = Phase(
            "before_consent",
            True,
            tuple(recorder.cookies.values()),
            tuple(recorder.storage.values()),
            recorder.requests(),
            warnings=tuple(sorted(warnings)),
        )
        return phase, pages, banner


async def _find_banner(page: BrowserPage, timing: Timing) -> Banner:
    from playwright.async_api import Error as PlaywrightError

    script: dict[str, str] | None = await page.evaluate(_WIDGET_SCRIPT)
    if not script:
        return Banner(False, note="no consent widget on the start page (no consent.js script)")
    key, gateway = script.get("key"), origin_of(script.get("src", ""))
    config = await _widget_config(page, key, timing)
    if config is None:
        note = "the consent widget got no config from the gateway: is the site allowed for the key?"
        return Banner(False, key, gateway, note=note)
    dialog = page.locator("#wg-consent").get_by_role("dialog")
    try:
        await dialog.first.wait_for(state="visible", timeout=timing.idle * 1000)
    except PlaywrightError:
        return Banner(False, key, gateway, config.get("cookie") or None, "the banner did not show")
    return Banner(True, key, gateway, str(config.get("cookie") or "wg_consent"))


async def _widget_config(page: BrowserPage, key: str | None, timing: Timing) -> Any:
    from playwright.async_api import Error as PlaywrightError

    try:
        await page.wait_for_function(_WIDGET_CONFIG, arg=key, timeout=timing.idle * 1000)
    except PlaywrightError:
        return None
    return await page.evaluate(_WIDGET_CONFIG, key)


async def _after_choice(
    pw: Playwright,
    executable: str | None,
    choice: tuple[str, str],
    where: tuple[str, list[str]],
    banner: Banner,
    options: Options,
) -> Phase:
    """Choose on the start page's banner, forget all but the choice, then visit the pages."""
    from playwright.async_api import Error as PlaywrightError

    (name, text), (start_url, urls) = choice, where
    timing, warnings = options.timing, set[str]()
    async with fresh_profile(pw, executable) as context:
        page = await _open(context, warnings)
        recorder = Recorder(context, _host(start_url))
        start = await visit(page, start_url, recorder, timing)
        config = await _widget_config(page, banner.public_key, timing) if start.status else None
        label = str(((config or {}).get("texts") or {}).get(text) or "")
        if not label:
            return Phase(name, False, note="the banner did not show in this phase")
        dialog = page.locator("#wg-consent").get_by_role("dialog")
        try:
            await dialog.get_by_role("button", name=label, exact=True).click(
                timeout=timing.timeout * 1000
            )
        except PlaywrightError:
            return Phase(name, False, note=f"could not click {label!r} on the banner")
        await _keep_only_the_choice(context, page, banner.cookie_name or "wg_consent")
        recorder.reset()
        for url in urls:
            await visit(page, url, recorder, timing)
        return Phase(
            name,
            True,
            tuple(recorder.cookies.values()),
            tuple(recorder.storage.values()),
            recorder.requests(),
            warnings=tuple(sorted(warnings)),
        )


async def _keep_only_the_choice(context: BrowserContext, page: BrowserPage, cookie: str) -> None:
    """Forget every cookie and storage key except the widget's record of the visitor's choice,
    so what the pages set from now on is told apart from what the first load set before it."""
    keep: list[SetCookieParam] = []
    for c in await context.cookies():
        if c.get("name") == cookie:
            keep.append(
                {
                    "name": cookie,
                    "value": c.get("value", ""),  # passed back to the browser, never kept
                    "domain": c.get("domain"),
                    "path": c.get("path"),
                    "expires": c.get("expires"),
                    "httpOnly": c.get("httpOnly"),
                    "secure": c.get("secure"),
                    "sameSite": c.get("sameSite"),
                }
            )
    await context.clear_cookies()
    if keep:
        await context.add_cookies(keep)
    await page.evaluate(_FORGET_STORAGE)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
