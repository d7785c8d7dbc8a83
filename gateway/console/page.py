"""The owner console's pages at ``/console/``: static files over the console API.

``static/console/`` holds plain HTML, CSS and JavaScript served under the strict policy of
:mod:`gateway.web.static_page`. The page keeps no secret of its own: the session is an
``HttpOnly`` cookie and the CSRF token the API hands out lives in the page's memory only. Links
mailed to people carry their token in the fragment (``/console/#invitation=…``), which the page
reads and removes from the address bar.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from gateway.web import openapi
from gateway.web.static_files import static_dir
from gateway.web.static_page import page_routes

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
)


def routes(directory: Path = PAGE_DIR) -> list[Route]:
    return page_routes("/console", directory, FILES)


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
