"""The per-key script: ``GET /v1/{pk}/consent.js``, the banner's code and the key's config in one.

The classic embed (``/widgets/consent.js`` with ``data-key``) asks for the config in a second
request once the script has run. This answer is the same widget called with the key's config as
its fourth argument (:meth:`gateway.web.assets.Asset.called_with`), so the banner can show with
no request after the script's own.

A script is cacheable only if its answer does not vary per visitor, so the language is chosen by
the URL: ``?lang=fr`` (the page's language, best first, comma-separated) and, without it, the key's
default language. The widget uses the inline config unless the page's ``lang`` (or the script's
``data-lang``) names another language, and then asks for the config answer as the classic embed
does.

A ``<script src>`` is fetched without CORS: browsers send no ``Origin``, only a ``Referer``
(cut to the page's origin across sites by the default referrer policy). The gateway checks the
key (shape, existence, status, consent widget enabled) and, when the browser names the page by
``Origin`` or ``Referer``, that its origin is allowed for the key; a page that sends neither gets
the script, whose content is public anyway (texts and categories), while records are still posted
with an ``Origin`` the guard checks. No per-visitor limit is counted (the answer would carry
``RateLimit`` fields and could not be cached): the answer is rendered once per key version,
language list and widget release, and served from memory like the static widgets.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.consent import config as consent_config
from gateway.consent.api import load_config, rendered_config
from gateway.consent.languages import parse_languages
from gateway.errors import (
    AccountSuspended,
    GatewayError,
    KeyRevoked,
    OriginNotAllowed,
    WidgetDisabled,
    problem_response,
)
from gateway.keys.cache import CachedKey
from gateway.services import Services
from gateway.web import assets, openapi
from gateway.web.encodings import preferred_encoding
from gateway.web.guard import load_key

SCRIPT_CACHE = "public, max-age=300, stale-while-revalidate=3600"
_CACHE_SIZE = 1024
_HEADERS = {
    "Vary": "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Access-Control-Allow-Origin": "*",
}
Rendered = tuple[bytes, bytes, str]  # identity bytes, gzip bytes, ETag


def page_origin(request: Request) -> str | None:
    """The page's origin as the browser names it: ``Origin``, else the ``Referer``'s origin."""
    origin = request.headers.get("origin")
    if origin:
        return origin
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"


def check_script_request(request: Request, cached: CachedKey) -> None:
    key = cached.key
    if not key.active:
        raise KeyRevoked("this key has been revoked")
    if key.account_suspended_at is not None:
        raise AccountSuspended("this key's account is suspended")
    if "consent" not in key.widgets:
        raise WidgetDisabled("the consent widget is not enabled for this key")
    origin = page_origin(request)
    if origin is not None and not cached.allow.allows(origin):
        raise OriginNotAllowed("this page's origin is not in the key's allowed origins")


def routes() -> list[Route]:
    rendered: dict[tuple[str, float, str, str], Rendered] = {}

    def render(services: Services, cached: CachedKey, lang: str | None) -> Rendered:
        widget = assets.served_assets()["consent"]
        key = cached.key
        # Kept per language picked, not per value sent: a made-up ?lang= costs a lookup, and
        # there are only as many renderings per key version as the languages it speaks.
        parsed = load_config(services, key)
        picked = consent_config.pick_language(parsed, parse_languages(lang))
        cache_key = (key.public_key, key.updated_at, picked, widget.digest)
        found = rendered.get(cache_key)
        if found is None:
            if parsed.variants:
                # Under geo rules the config answer depends on where the visitor is, which a
                # cacheable script cannot: the widget fetches it (``config: null``).
                config, config_etag = "null", f"geo-{key.updated_at}"
            else:
                answer = rendered_config(services, key, picked)
                config, config_etag = answer.body.decode(), answer.etag
            inline = '{"key":' + json.dumps(key.public_key) + ',"config":' + config + "}"
            body = widget.called_with(inline)
            tag = hashlib.sha256(f"{widget.digest}{config_etag}".encode()).hexdigest()[:20]
            found = (body, gzip.compress(body, compresslevel=6, mtime=0), f'"{tag}"')
            if len(rendered) >= _CACHE_SIZE:
                rendered.clear()
            rendered[cache_key] = found
        return found

    async def serve(request: Request) -> Response:
        services: Services = request.app.state.services
        try:
            cached = await load_key(request, services)
            check_script_request(request, cached)
            body, compressed, etag = render(services, cached, request.query_params.get("lang"))
        except GatewayError as exc:
            services.metrics.error(exc.code)
            services.metrics.answered("consent", exc.status)
            return problem_response(exc)
        encoding = preferred_encoding(request.headers.get("accept-encoding", ""), has_br=False)
        etag = etag[:-1] + "-gzip" + '"' if encoding else etag
        headers = {**_HEADERS, "ETag": etag, "Cache-Control": SCRIPT_CACHE}
        services.metrics.answered("consent", 200)
        match = request.headers.get("if-none-match", "")
        if etag in (t.strip().removeprefix("W/") for t in match.split(",")):
            return Response(status_code=304, headers=headers)
        if encoding:
            headers["Content-Encoding"] = encoding
        return Response(
            compressed if encoding else body, headers=headers, media_type=assets.CONTENT_TYPE
        )

    return [Route("/v1/{public_key}/consent.js", serve, methods=["GET", "HEAD"])]


openapi.describe(
    "/v1/{public_key}/consent.js",
    {
        "get": openapi.operation(
            "The consent banner's code with this key's config in one cacheable script (ETag)",
            "200",
            params=[
                openapi.PK,
                {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "The page's language(s), best first; default: the key's",
                },
            ],
            errors=(401, 403),
            media_type="text/javascript",
        )
    },
)
