"""A shop that leaks on purpose, for the scanner's tests.

Three servers on loopback, each its own site: the shop on ``127.0.0.2`` (the consent widget on
every page but one, served by a real gateway on ``127.0.0.1``), and a "tracker" on ``localhost``
whose pixel sets a third-party cookie. Pages:

``/``         links to every other page (one with a query string, one off-site, a mailto), and
              sets Google Ads' ``_gcl_au`` as long as the visitor has made no choice
``/leaky``    sets ``_ga`` and a Hotjar storage key from an inline script, before any choice
``/tracker``  loads the tracker's pixel, which sets ``trk`` (SameSite=None; Secure)
``/polite``   sets ``polite_visits`` only from a script blocked until analytics is accepted
``/about``    nothing at all
``/bare``     no consent widget, and Meta's ``_fbp`` set at once
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

SITE_HOST = "127.0.0.2"
TRACKER_HOST = "localhost"
PIXEL = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"  # noqa: E501


@dataclass(frozen=True)
class Addresses:
    site: str  # http://127.0.0.2:PORT
    gateway: str  # http://127.0.0.1:PORT
    tracker: str  # http://localhost:PORT
    public_key: str


def consent_config(tracker_host: str) -> dict[str, object]:
    """The shop's consent config: what it declares, and what it forgets to."""
    return {
        "categories": [
            {"id": "necessary", "required": True},
            {
                "id": "analytics",
                "services": [
                    {"id": "ga", "name": "Google Analytics", "cookies": ["_ga", "_ga_*"]},
                    {"id": "stats", "name": "Own statistics", "cookies": ["polite_*"]},
                ],
            },
            {
                "id": "marketing",
                "services": [{"id": "pixel", "name": "Tracker pixel", "hosts": [tracker_host]}],
            },
        ]
    }


def _layout(a: Addresses, body: str, widget: bool = True) -> str:
    snippet = (
        f'<script src="{a.gateway}/widgets/consent.js" data-key="{a.public_key}" async></script>'
        if widget
        else ""
    )
    return f'<!doctype html><html lang="en"><head><title>Shop</title>{snippet}</head><body>{body}</body></html>'  # noqa: E501


def pages(a: Addresses) -> dict[str, str]:
    return {
        "/": _layout(
            a,
            '<a href="/leaky">Leaky</a> <a href="/tracker">Tracker</a> <a href="/polite">Polite</a>'
            ' <a href="/about?from=home#top">About</a> <a href="/leaky#again">Again</a>'
            f' <a href="{a.tracker}/elsewhere">Elsewhere</a> <a href="mailto:shop@example.org">'
            'Mail</a> <a href="/terms.pdf">Terms</a>'
            "<script>if (!document.cookie.includes('wg_consent='))"
            " document.cookie = '_gcl_au=1.1.7; path=/; max-age=3600';</script>",
        ),
        "/leaky": _layout(
            a,
            "<script>document.cookie = '_ga=GA1.1.42.42; path=/; max-age=3600';"
            " localStorage.setItem('_hjid', 'x');</script><p>Leaky</p>",
        ),
        "/tracker": _layout(a, f'<img src="{a.tracker}/pixel.gif" alt="">'),
        "/polite": _layout(
            a,
            '<script type="text/plain" data-category="analytics">'
            "document.cookie = 'polite_visits=1; path=/; max-age=3600';</script><p>Polite</p>",
        ),
        "/about": _layout(a, "<p>About us</p>"),
        "/bare": _layout(
            a, "<script>document.cookie = '_fbp=fb.1.2.3; path=/; max-age=3600';</script>", False
        ),
    }


def site_app(addresses: Addresses) -> Starlette:
    html = pages(addresses)

    async def serve(request: Request) -> Response:
        page = html.get(request.url.path)
        if page is None:
            return Response("not found", status_code=404)
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    return Starlette(routes=[Route("/{path:path}", serve)])


def tracker_app() -> Starlette:
    async def pixel(request: Request) -> Response:
        response = Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})
        response.set_cookie("trk", "t-1", max_age=3600, samesite="none", secure=True)
        return response

    return Starlette(routes=[Route("/pixel.gif", pixel)])
