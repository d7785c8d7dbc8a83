"""The requester's page at ``/portal/``: static files over the portal's API, strict CSP.

The e-mailed link carries its token in the fragment (``/portal/#verify=…``): it never reaches a
server's logs or a ``Referer``; the page reads it, removes it from the address bar and posts it.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from gateway.web import openapi
from gateway.web.static_files import static_dir
from gateway.web.static_page import LINK_PAGE, page_routes

PAGE_DIR = static_dir() / "portal"
FILES = ("index.html", "portal.js", "space.js", "portal.css")


def routes() -> list[Route]:
    return page_routes("/portal", PAGE_DIR, FILES, shared=LINK_PAGE)


def _get(summary: str, ok: str) -> dict[str, dict[str, Any]]:
    return {
        "get": {"summary": summary, "tags": ["portal"], "responses": {ok: {"description": summary}}}
    }


openapi.describe("/portal", _get("Redirect to /portal/", "308"))
openapi.describe("/portal/", _get("The requester's page (HTML)", "200"))
openapi.describe(
    "/portal/{file}",
    {
        "get": {
            "summary": "The requester's page's script and style",
            "tags": ["portal"],
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
