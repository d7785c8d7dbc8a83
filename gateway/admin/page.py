"""The key-manager page at ``/admin/``: three static files, served with a strict CSP.

The page is plain HTML, CSS and JavaScript (``static/admin/``) that talks to the admin API on the
same origin with the token its owner types in; :mod:`gateway.web.static_page` serves it under the
policy that lets no injected markup run in the page that holds the admin token.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from gateway.web import openapi
from gateway.web.static_files import static_dir
from gateway.web.static_page import CSP, HEADERS, page_routes

__all__ = ["CSP", "HEADERS", "PAGE_DIR", "routes"]

PAGE_DIR = static_dir() / "admin"


def routes(directory: Path = PAGE_DIR) -> list[Route]:
    """Routes for the page, its files read now (the page changes only with a release)."""
    return page_routes("/admin", directory, ("index.html", "admin.js"))


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
