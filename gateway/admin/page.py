"""The key-manager page at ``/admin/``: three static files, served with a strict CSP.

The page is plain HTML, CSS and JavaScript (``static/admin/``) that talks to the admin API on the
same origin with the token its owner types in. The policy allows nothing but this origin's own
script, style and API: no inline script, no third party, no framing — so even a key name crafted
to look like markup cannot run in the page that holds the admin token.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.errors import NotFound, problem_response
from gateway.web import openapi
from gateway.web.static_files import static_dir

PAGE_DIR = static_dir() / "admin"
FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "admin.js": ("admin.js", "text/javascript; charset=utf-8"),
    "admin.css": ("admin.css", "text/css; charset=utf-8"),
}
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


def routes(directory: Path = PAGE_DIR) -> list[Route]:
    """Routes for the page, its files read now (the page changes only with a release)."""
    files = {
        name: ((directory / file).read_bytes(), media)
        for name, (file, media) in FILES.items()
        if (directory / file).is_file()
    }

    async def serve(request: Request) -> Response:
        found = files.get(request.path_params.get("file", ""))
        if found is None:
            return problem_response(NotFound("No such file."))
        body, media = found
        return Response(body, media_type=media, headers=HEADERS)

    async def to_page(request: Request) -> Response:
        return RedirectResponse("/admin/", status_code=308)

    return [
        Route("/admin", to_page, methods=["GET", "HEAD"]),
        Route("/admin/", serve, methods=["GET", "HEAD"]),
        Route("/admin/{file}", serve, methods=["GET", "HEAD"]),
    ]


_PAGE = {
    "get": {
        "summary": "Key-manager page (HTML)",
        "tags": ["admin"],
        "responses": {"200": {"description": "The page"}},
    }
}
openapi.describe(
    "/admin",
    {
        "get": {
            "summary": "Redirect to /admin/",
            "tags": ["admin"],
            "responses": {"308": {"description": "Redirect"}},
        }
    },
)
openapi.describe("/admin/", _PAGE)
openapi.describe(
    "/admin/{file}",
    {
        "get": {
            "summary": "The page's script and style",
            "tags": ["admin"],
            "parameters": [
                {"name": "file", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "The file"},
                "404": {"description": "No such file"},
            },
        }
    },
)
