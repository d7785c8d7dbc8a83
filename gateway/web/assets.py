"""Serving the widgets: ``GET /widgets/{name}.js``, its content-hashed twin, and a manifest.

Every ``static/src/*.js`` file but the prelude is a widget. What is served is assembled once, in
memory, when the routes are built: the shared prelude (``static/src/prelude.js``), the widget's
parts (``static/src/<widget>/*.js``, in name order, if the widget has any) and the widget's own
source inside one function, ``(function (window, document, WIDGET, INLINE) {…})(window,
document, "consent")``, so what is hashed, pinned with SRI and loaded by the browser tests is
exactly what the gateway sends. A part declares functions and constants the widget's source
calls: a concern of its own (the opt-out notice, cookie handling) kept in a file of its own. The
assembled bytes are compressed once too (gzip level 9, and brotli when the optional ``brotli``
package is installed), and answers are picked from memory by
``Accept-Encoding``: compressing per request, or serving files through ``StaticFiles``, costs
about ten times as much CPU on the hot path.

The stable URL is cached briefly (so a new release reaches pages within minutes) and revalidated
with ``ETag``; the hashed URL never changes and is cached for a year. The manifest publishes the
hashed URLs with their Subresource Integrity hashes for sites that pin a version.

A widget may load another on demand: the string ``"@asset:NAME"`` in its source becomes the
hashed path of widget ``NAME`` (``consent.js`` loads ``consent-extras.js`` only on pages with a
blocked iframe or a cookie table), so a new release of the one changes the hash of the other.
The per-key script (``gateway/consent/script.py``) calls the same function with a fourth
argument, the key's config: :meth:`Asset.called_with`.

A pinned URL outlives an upgrade: the widgets of the releases kept in ``static/releases/`` (see
:mod:`gateway.web.releases`) answer under their own hashes too, listed in
``/widgets/releases.json``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.errors import NotFound, problem_response
from gateway.web import openapi, releases
from gateway.web.encodings import preferred_encoding
from gateway.web.routing import (
    DirectRoute,
    RawHeaders,
    RawResponse,
    encode_headers,
    header_value,
)
from gateway.web.static_files import static_dir

try:  # optional: brotli saves another ~12% on the widgets
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the installation
    brotli = None
import rjsmin  # type: ignore[import-untyped]

STATIC_DIR = static_dir()
SOURCE_DIR = STATIC_DIR / "src"
PRELUDE = "prelude.js"
STABLE_CACHE = "public, max-age=300, stale-while-revalidate=3600"
HASHED_CACHE = "public, max-age=31536000, immutable"
CONTENT_TYPE = "text/javascript; charset=utf-8"
_NAME = re.compile(r"([a-z][a-z0-9-]*)(?:\.([0-9a-f]{12}))?\.js")
_ASSET_URL = re.compile(r'"@asset:([a-z][a-z0-9-]*)"')
# Public, cross-origin scripts: nosniff, loadable from any site, readable for SRI checks.
_COMMON = {
    "Vary": "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Access-Control-Allow-Origin": "*",
}


def digest_of(body: bytes) -> str:
    """The hash in a widget's hashed URL: the first 12 hex digits of the bytes' SHA-256."""
    return hashlib.sha256(body).hexdigest()[:12]


@dataclass(frozen=True)
class Asset:
    """One widget's bytes in every encoding, with its content hash and SRI value."""

    name: str
    body: bytes
    gzip: bytes
    br: bytes | None
    digest: str  # first 12 hex digits of SHA-256: the hashed URL
    integrity: str  # "sha384-…" of the identity bytes
    head: bytes = b""  # the body up to the arguments of the call: see called_with

    @classmethod
    def from_bytes(cls, name: str, body: bytes, head: bytes = b"") -> Asset:
        sri = base64.b64encode(hashlib.sha384(body).digest()).decode()
        return cls(
            name=name,
            body=body,
            head=head,
            # mtime=0: the same source gives the same bytes (and ETag) on every instance
            gzip=gzip.compress(body, compresslevel=9, mtime=0),
            br=brotli.compress(body, quality=11) if brotli is not None else None,
            digest=digest_of(body),
            integrity=f"sha384-{sri}",
        )

    def called_with(self, inline: str) -> bytes:
        """The widget's bytes with ``inline`` (a JavaScript expression) as its INLINE argument."""
        return self.head + f'"{self.name}",{inline});\n'.encode()

    @property
    def hashed_path(self) -> str:
        return f"/widgets/{self.name}.{self.digest}.js"

    def encoded(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The best representation the client accepts: (bytes, Content-Encoding or None)."""
        encoding = preferred_encoding(accept_encoding, self.br is not None)
        if encoding == "br" and self.br is not None:
            return self.br, "br"
        if encoding == "gzip":
            return self.gzip, "gzip"
        return self.body, None


def assemble_head(name: str, prelude: str, source: str, parts: Sequence[str] = ()) -> bytes:
    """One widget up to its call's arguments: the prelude, its parts and its source in one
    function, in strict mode.

    Comments and indentation are stripped (``rjsmin``, which renames nothing): the sources explain
    themselves at length, and a visitor's browser need not download the explanation.
    """
    page = name.split("-")[0]  # consent-extras is documented with the consent widget
    script = (
        f"/*! Widget Gateway {name} | Apache-2.0 | docs/{page}-widget.md */\n"
        '(function (window, document, WIDGET, INLINE) {\n"use strict";\n'
        f"{prelude.rstrip()}\n\n"
        + "".join(f"{part.rstrip()}\n\n" for part in parts)
        + f"{source.rstrip()}\n"
        "})"
    )
    return f"{rjsmin.jsmin(script, keep_bang_comments=True)}(window,document,".encode()


def assemble(name: str, prelude: str, source: str, parts: Sequence[str] = ()) -> bytes:
    """One widget as served: :func:`assemble_head` called with the widget's name."""
    return assemble_head(name, prelude, source, parts) + f'"{name}");\n'.encode()


def load_assets(directory: Path = SOURCE_DIR) -> dict[str, Asset]:
    """Every widget whose source is in ``directory``, assembled and compressed once.

    Widgets that load no other come first, so the hashed paths the others name are known.
    """
    prelude = (directory / PRELUDE).read_text(encoding="utf-8")
    sources: dict[str, str] = {}
    parts: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.js")):
        match = _NAME.fullmatch(path.name)
        if path.name != PRELUDE and match and match.group(2) is None:
            name = match.group(1)
            sources[name] = path.read_text(encoding="utf-8")
            parts[name] = [
                part.read_text(encoding="utf-8") for part in sorted(directory.glob(f"{name}/*.js"))
            ]
    assets: dict[str, Asset] = {}
    for name, source in sorted(sources.items(), key=lambda kv: bool(_ASSET_URL.search(kv[1]))):

        def hashed(found: re.Match[str]) -> str:
            named = assets.get(found.group(1))
            if named is None:
                raise LookupError(f"{found.group(1)}.js is missing or loads another widget")
            return json.dumps(named.hashed_path)

        head = assemble_head(name, prelude, _ASSET_URL.sub(hashed, source), parts[name])
        assets[name] = Asset.from_bytes(name, head + f'"{name}");\n'.encode(), head)
    return dict(sorted(assets.items()))


@cache
def served_assets() -> Mapping[str, Asset]:
    """The widgets the gateway serves, assembled once per process."""
    return MappingProxyType(load_assets())


@lru_cache(maxsize=64)
def _released(name: str, body: bytes) -> Asset:
    # A release's files never change: compress each once per process, not once per app built.
    return Asset.from_bytes(name, body)


def pinned_assets(
    current: Mapping[str, Asset], directory: Path = releases.RELEASES_DIR
) -> tuple[dict[tuple[str, str], Asset], dict[str, dict[str, dict[str, str]]]]:
    """Every hashed URL served, ``(name, digest)`` → asset, and the listing by version.

    The current build and each kept release: a hash pinned by a site keeps answering its bytes
    for as long as its release is kept.
    """
    by_hash = {(a.name, a.digest): a for a in current.values()}
    listing: dict[str, dict[str, dict[str, str]]] = {}
    for release in releases.load(directory):
        listed = listing.setdefault(release.version, {})
        for name, body in release.widgets.items():
            key = (name, digest_of(body))
            if key not in by_hash:
                by_hash[key] = _released(name, body)
            asset = by_hash[key]
            listed[name] = {"url": asset.hashed_path, "integrity": asset.integrity}
    return by_hash, listing


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") == etag for t in header.split(","))


def manifest(assets: Mapping[str, Asset]) -> dict[str, dict[str, object]]:
    return {
        a.name: {
            "url": a.hashed_path,
            "integrity": a.integrity,
            "bytes": len(a.body),
            "gzip_bytes": len(a.gzip),
        }
        for a in assets.values()
    }


# A representation's 200 header lines, its 304 header lines, and its ETag.
_Answer = tuple["RawHeaders", "RawHeaders", str]


class _Answers:
    """Each asset's header lines (200 and 304), encoded once per representation and cache kind."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str, str | None, bool], _Answer] = {}

    def get(self, asset: Asset, encoding: str | None, length: int, *, hashed: bool) -> _Answer:
        key = (asset.name, asset.digest, encoding, hashed)
        found = self._found.get(key)
        if found is None:
            etag = f'"{asset.digest}{"-" + encoding if encoding else ""}"'
            cache_control = HASHED_CACHE if hashed else STABLE_CACHE
            # A 304 carries what RFC 9110 (15.4.5) asks of it: the fields a 200 would send
            # that describe the stored answer's freshness and variants. A cache or browser
            # keeps the stored 200's other fields (CORS, nosniff, CORP) and applies them.
            not_modified = encode_headers(
                {"Vary": _COMMON["Vary"], "ETag": etag, "Cache-Control": cache_control}
            )
            fields = {**_COMMON, "ETag": etag, "Cache-Control": cache_control}
            if encoding:
                fields["Content-Encoding"] = encoding
            ok = encode_headers(
                {**fields, "Content-Type": CONTENT_TYPE, "Content-Length": str(length)}
            )
            found = self._found[key] = (ok, not_modified, etag)
        return found


def routes(directory: Path = SOURCE_DIR, releases_dir: Path = releases.RELEASES_DIR) -> list[Route]:
    """The asset routes, with the widgets in ``directory`` and the kept releases loaded now."""
    assets = served_assets() if directory == SOURCE_DIR else load_assets(directory)
    by_hash, listing = pinned_assets(assets, releases_dir)
    manifest_body = json.dumps(manifest(assets), separators=(",", ":"), sort_keys=True).encode()
    releases_body = json.dumps(
        {"current": manifest(assets), "releases": listing}, separators=(",", ":"), sort_keys=True
    ).encode()

    async def serve_manifest(request: Request) -> Response:
        return Response(
            manifest_body,
            media_type="application/json",
            headers={"Cache-Control": "public, max-age=300", **_COMMON},
        )

    async def serve_releases(request: Request) -> Response:
        return Response(
            releases_body,
            media_type="application/json",
            headers={"Cache-Control": "public, max-age=300", **_COMMON},
        )

    answers = _Answers()

    async def serve_widget(request: Request) -> Response:
        match = _NAME.fullmatch(request.path_params["file"])
        asset: Asset | None = None
        if match is not None and match.group(2) is None:
            asset = assets.get(match.group(1))
        elif match is not None:
            asset = by_hash.get((match.group(1), match.group(2)))
        if match is None or asset is None:
            return problem_response(NotFound("No such widget."))
        scope = request.scope
        body, encoding = asset.encoded(header_value(scope, b"accept-encoding") or "")
        hashed = match.group(2) is not None
        ok, not_modified, etag = answers.get(asset, encoding, len(body), hashed=hashed)
        if _etag_matches(header_value(scope, b"if-none-match"), etag):
            return RawResponse(b"", 304, list(not_modified))
        return RawResponse(body, 200, list(ok))

    return [
        Route("/widgets/manifest.json", serve_manifest, methods=["GET", "HEAD"]),
        Route("/widgets/releases.json", serve_releases, methods=["GET", "HEAD"]),
        DirectRoute("/widgets/{file}", serve_widget, methods=["GET", "HEAD"]),
    ]


async def favicon(request: Request) -> Response:
    # Browsers ask every origin for one; "nothing here" without a 404 in every page's console.
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})


def favicon_routes() -> list[Route]:
    """``/favicon.ico``: ``204``, on every port that serves pages."""
    return [Route("/favicon.ico", favicon, methods=["GET", "HEAD"])]


openapi.describe(
    "/favicon.ico",
    {
        "get": {
            "summary": "No icon: 204, so that browsers' requests for one find no 404",
            "tags": ["assets"],
            "responses": {"204": {"description": "No content"}},
        }
    },
)
openapi.describe(
    "/widgets/{file}",
    {
        "get": openapi.operation(
            "A widget script: `{name}.js` (short cache, ETag) or `{name}.{hash}.js` (immutable;"
            " the current build's hash or a kept release's)",
            "200",
            params=[{"name": "file", "in": "path", "required": True, "schema": {"type": "string"}}],
            errors=(404,),
            tags=("assets",),
            media_type="text/javascript",
        )
    },
)
openapi.describe(
    "/widgets/manifest.json",
    {
        "get": openapi.operation(
            "Hashed widget URLs with their SRI hashes",
            "200",
            errors=(),
            tags=("assets",),
        )
    },
)
openapi.describe(
    "/widgets/releases.json",
    {
        "get": openapi.operation(
            "Hashed URLs and SRI hashes of the current widgets and of each kept release",
            "200",
            errors=(),
            tags=("assets",),
        )
    },
)
