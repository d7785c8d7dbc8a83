"""A page made of a few static files, served under a strict Content-Security-Policy.

The operator's key manager (``/admin/``) and the owner console (``/console/``) are plain HTML, CSS
and JavaScript that talk to an API on the same origin. The policy allows nothing but this origin's
own script, style and API: no inline script or style, no third party, no framing — so even a key
name crafted to look like markup cannot run in a page that holds a token or a session.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from gateway.errors import NotFound, problem_response
from gateway.ratelimit.limiter import LimitRequest
from gateway.web.clientip import client_ip, limit_identity
from gateway.web.static_files import static_dir

if TYPE_CHECKING:
    from gateway.services import Services

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
# What such pages share (the stylesheet; the e-mailed link pages' script), served under each
# page's own prefix.
SHARED_DIR = static_dir() / "pages"
# The shared script of the pages an e-mailed link opens (/portal/, /permission/).
LINK_PAGE = ("link.js",)
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def page_routes(
    prefix: str,
    directory: Path,
    names: tuple[str, ...],
    headers: dict[str, str] | None = None,
    shared: tuple[str, ...] = (),
) -> list[Route]:
    """``prefix`` redirecting to ``prefix/``, which serves ``index.html``, and
    ``prefix/{file}`` for the other ``names``, the pages' shared ``base.css`` and the ``shared``
    files of :data:`SHARED_DIR`; the files are read now (they change only with a release).
    ``headers`` replace :data:`HEADERS` (a page that frames one of its own, or is framed by one,
    says so in its policy)."""
    answer_headers = HEADERS if headers is None else headers
    paths = {name: directory / name for name in names}
    for name in ("base.css", *shared):
        paths[name] = SHARED_DIR / name
    files = {
        ("" if name == "index.html" else name): (path.read_bytes(), MEDIA[path.suffix])
        for name, path in paths.items()
        if path.is_file()
    }

    async def serve(request: Request) -> Response:
        found = files.get(request.path_params.get("file", ""))
        if found is None:
            return problem_response(NotFound("No such file."))
        body, media = found
        return Response(body, media_type=media, headers=answer_headers)

    async def to_page(request: Request) -> Response:
        return RedirectResponse(prefix + "/", status_code=308)

    return [
        Route(prefix, to_page, methods=["GET", "HEAD"]),
        Route(prefix + "/", serve, methods=["GET", "HEAD"]),
        Route(prefix + "/{file}", serve, methods=["GET", "HEAD"]),
    ]


async def limit_page_call(request: Request, services: Services, bucket: str) -> None:
    """A page's API call, counted per client IP in ``bucket`` (a page's texts count apart from
    its actions, so loading the page never uses up its confirmations)."""
    settings = services.settings
    ip = limit_identity(
        client_ip(request.scope, settings.trusted_proxies), settings.ipv6_limit_prefix
    )
    await services.limiter.enforce(
        [LimitRequest("verify_ip", settings.limit_verify_per_ip, (bucket, ip))]
    )


def texts_response(body: dict[str, Any]) -> Response:
    """A page's texts answer: the page's own headers, never stored, varying by the browser's
    languages (the texts' language when the page's link names no request)."""
    return JSONResponse(
        body, headers={**HEADERS, "Cache-Control": "no-store", "Vary": "Accept-Language"}
    )
