"""The owner console's pages at ``/console/``: static files over the console API.

``static/console/`` holds plain HTML, CSS and JavaScript served under the strict policy of
:mod:`gateway.web.static_page`. The page keeps no secret of its own: the session is an
``HttpOnly`` cookie and the CSRF token the API hands out lives in the page's memory only. Links
mailed to people carry their token in the fragment (``/console/#invitation=…``), which the page
reads and removes from the address bar.

The widget editor's preview is a page of its own, ``/console/preview/``, framed by the console
only (``frame-ancestors 'self'``; the console's policy allows frames of its own origin and no
other): its script hands the draft configs the console sends it to the real widgets.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from gateway.web import openapi
from gateway.web.static_files import static_dir
from gateway.web.static_page import CSP, HEADERS, page_routes

PAGE_DIR = static_dir() / "console"
FILES = (
    "index.html",
    "console.js",
    "console.css",
    "records.js",
    "records.css",
    "statistics.js",
    "retention.js",
    "scanner.js",
    # Members, security and single sign-on.
    "members.js",
    "security.js",
    "sso.js",
    "people.css",
    # The widget editor.
    "editor.js",
    # A rights request's documents, both ways.
    "documents.js",
    "editor.css",
)
PREVIEW_FILES = ("index.html", "preview.js", "preview.css")
CONSOLE_HEADERS = {**HEADERS, "Content-Security-Policy": CSP + "; frame-src 'self'"}
PREVIEW_HEADERS = {
    **HEADERS,
    "Content-Security-Policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
    "X-Frame-Options": "SAMEORIGIN",
}


def routes(directory: Path = PAGE_DIR) -> list[Route]:
    return [
        *page_routes("/console/preview", directory / "preview", PREVIEW_FILES, PREVIEW_HEADERS),
        *page_routes("/console", directory, FILES, CONSOLE_HEADERS),
    ]


openapi.describe(
    "/console",
    {
        "get": {
            "summary": "Redirect to /console/",
            "tags": ["console"],
            "responses": {"308": {"description": "Redirect"}},
        }
    },
)
openapi.describe(
    "/console/",
    {
        "get": {
            "summary": "Owner console (HTML)",
            "tags": ["console"],
            "responses": {"200": {"description": "The page"}},
        }
    },
)
openapi.describe(
    "/console/{file}",
    {
        "get": {
            "summary": "The console's script and style",
            "tags": ["console"],
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
openapi.describe(
    "/console/preview",
    {
        "get": {
            "summary": "Redirect to /console/preview/",
            "tags": ["console"],
            "responses": {"308": {"description": "Redirect"}},
        }
    },
)
openapi.describe(
    "/console/preview/",
    {
        "get": {
            "summary": "The widget editor's preview frame (HTML, framed by the console only)",
            "tags": ["console"],
            "responses": {"200": {"description": "The page"}},
        }
    },
)
openapi.describe(
    "/console/preview/{file}",
    {
        "get": {
            "summary": "The preview frame's script and style",
            "tags": ["console"],
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
