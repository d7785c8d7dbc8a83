"""The consent API: the banner's config, consent records with receipts, and receipt checks.

``GET /v1/{pk}/consent/config`` and ``POST /v1/{pk}/consent`` run behind the widget guard (key,
origin, limits, CORS). ``POST /v1/receipts/verify`` is server to server: it authenticates with the
key's private key, never answers with CORS headers, and treats a private key sent from a browser as
exposed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Scope

from gateway import problems as rule
from gateway.clock import utc
from gateway.consent import config as consent_config
from gateway.consent import geo, receipts
from gateway.consent.languages import parse_languages
from gateway.consent.records import FIELDS, build_record, parse_choice
from gateway.errors import (
    GatewayError,
    InvalidPayload,
    problem_response,
)
from gateway.keys.model import ApiKey
from gateway.keys.private_keys import authenticate
from gateway.problems import Problems
from gateway.ratelimit.limiter import LimitRequest
from gateway.services import Services
from gateway.web import openapi
from gateway.web.body import read_json
from gateway.web.clientip import client_ip, limit_identity, truncate_ip
from gateway.web.guard import WidgetCall, widget_route
from gateway.web.routing import RawResponse, header_value

# The answer carries the visitor's RateLimit fields and varies by Origin, which CDNs ignore, and
# with geo rules by the visitor's location (from a database: by address, which no Vary names): no
# cache may keep it. The ETag still lets a client that kept the body ask for a 304.
CONFIG_CACHE = "no-store"
_CACHE_SIZE = 2048
SHOWN_FIELDS = frozenset({"config_digest"})
_DIGEST = re.compile(r"[0-9a-f]{20}")
T = TypeVar("T")


class ConsentConfigInvalid(GatewayError):
    """The key's stored consent config does not validate (it should have been refused on save)."""

    status = 500
    code = "consent_config_invalid"
    title = "The key's consent config is not valid"


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _shared(services: Services, identity: object, made: T) -> T:
    """The one kept copy of what ``identity`` names (``made`` when it is the first)."""
    shared = services.consent_shared
    if len(shared) >= 2 * _CACHE_SIZE:
        shared.clear()
    found: T = shared.setdefault(identity, made)
    return found


def load_config(services: Services, key: ApiKey) -> consent_config.ConsentConfig:
    """The key's parsed config, kept per key version so each request does not re-validate it.

    Keys whose stored configs are equal (all those on the default) share one parsed copy."""
    cache = services.consent_configs
    found = cache.get((key.public_key, key.updated_at))
    if found is None:
        raw = key.consent_config
        try:
            parsed = consent_config.parse_config(raw)
        except InvalidPayload:
            raise ConsentConfigInvalid(
                "ask the site owner to fix the key's consent config"
            ) from None
        stored = b"" if raw is None else orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
        found = _shared(services, ("parsed", stored), parsed)
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[(key.public_key, key.updated_at)] = found
    return found


@dataclass(frozen=True)
class RenderedConfig:
    """The config answer for one key version, language list and variant, its header lines
    encoded."""

    body: bytes
    etag: str
    ok_headers: tuple[tuple[bytes, bytes], ...]
    not_modified_headers: tuple[tuple[bytes, bytes], ...]


def rendered_config(
    services: Services,
    key: ApiKey,
    lang: str | None,
    variant: geo.Variant | None = None,
    vary: str = "",
) -> RenderedConfig:
    """The config answer's body, ``ETag`` and header lines for one key version, language list
    and geo variant (``vary``: the location headers the answer varies by, when it has variants).

    Rendering (texts per language, JSON, hash) costs more than the whole guard with its limits, so
    it is done once per key version, language list and geo variant and kept, bounded like the
    parsed configs. The variant is part of the body, so each has its own ETag.
    """
    cache = services.consent_rendered
    cache_key = (key.public_key, key.updated_at, lang, variant.id if variant else "")
    found = cache.get(cache_key)
    if found is None:
        wanted = tuple(parse_languages(lang))
        resolved = consent_config.resolve(load_config(services, key), list(wanted), variant)
        # The digest of exactly what the visitor is shown (version, language, texts, categories):
        # the widget sends it back in each record, as the proof of what the choice was made on.
        digest = hashlib.sha256(_dumps(resolved)).hexdigest()[:20]
        body = _dumps({**resolved, "digest": digest})
        etag = f'"{digest}"'
        common: tuple[tuple[bytes, bytes], ...] = (
            (b"etag", etag.encode()),
            (b"cache-control", CONFIG_CACHE.encode()),
        )
        if vary:
            common += ((b"vary", vary.encode("latin-1")),)
        made = RenderedConfig(
            body,
            etag,
            (
                *common,
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
            ),
            common,
        )
        # Equal bodies (keys on equal configs) share one copy; the vary value is in the headers.
        found = _shared(services, ("rendered", body, vary), made)
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        # Kept under the raw ``lang`` value (at most a bounded cache's worth of distinct ones).
        cache[cache_key] = found
    return found


def _query_value(scope: Scope, name: str) -> str | None:
    query = scope.get("query_string", b"")
    if not query:
        return None
    return QueryParams(query).get(name)


async def get_config(call: WidgetCall) -> Response:
    services, request = call.services, call.request
    config = load_config(services, call.key)
    variant, vary = None, ""
    if config.variants:
        # The location is used for this answer only: neither kept nor logged.
        where = services.locator.locate(request.scope, call.client_ip)
        variant = geo.pick_variant(config.variants, where)
        settings = services.settings
        vary = ", ".join(h for h in (settings.geo_country_header, settings.geo_region_header) if h)
    lang = _query_value(request.scope, "lang")
    rendered = rendered_config(services, call.key, lang, variant, vary)
    match = header_value(request.scope, b"if-none-match")
    if match and rendered.etag in (t.strip().removeprefix("W/") for t in match.split(",")):
        return RawResponse(b"", 304, list(rendered.not_modified_headers))
    return RawResponse(rendered.body, 200, list(rendered.ok_headers))


async def post_consent(call: WidgetCall) -> Response:
    services = call.services
    data = await read_json(call.request, services.settings.max_body_bytes, FIELDS)
    config = load_config(services, call.key)
    now = services.clock()
    choice = parse_choice(data, config, call.origin, utc(now))
    record = build_record(
        choice,
        public_key=call.key.public_key,
        account=call.key.account,
        origin=call.origin,
        client_ip=truncate_ip(call.client_ip),
        user_agent=header_value(call.request.scope, b"user-agent") or "",
        id_secret=call.services.signing.secrets[0],
        now=now,
    )
    # Signed once: the records store keeps the very receipt the visitor gets.
    receipt = receipts.issue(services.signing, record)
    # Durable before the visitor hears "201": a lost record is a lost proof of consent.
    with services.tracing.span("gateway.sink.write", {"gateway.sink": "consent"}):
        await services.sinks["consent"].write(record.envelope(receipt))
    body = {
        "record_id": record.record_id,
        "receipt": receipt,
        "received_at": record.received_at,
    }
    encoded = orjson.dumps(body)
    return RawResponse(
        encoded,
        201,
        [
            (b"cache-control", b"no-store"),
            (b"content-length", str(len(encoded)).encode()),
            (b"content-type", b"application/json"),
        ],
    )


async def post_shown(call: WidgetCall) -> Response:
    """``POST /v1/{pk}/consent/shown``: the banner was shown to a visitor who had not chosen."""
    data = await read_json(call.request, 1024, SHOWN_FIELDS)
    problems = Problems()
    for name in sorted(set(data) - SHOWN_FIELDS):
        problems.add(str(name)[:40], rule.UNKNOWN, "unknown field")
    digest = data.get("config_digest")
    if digest is not None and not (isinstance(digest, str) and _DIGEST.fullmatch(digest)):
        problems.add("config_digest", rule.INVALID_FORMAT, "20 lower-case hex digits")
    problems.raise_if_any('send {} or {"config_digest": "…"}')
    call.services.impressions.count(call.key.public_key, call.key.account)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


def consent_limits(call: WidgetCall) -> list[LimitRequest]:
    limit = call.key.limit("consent_per_ip", call.services.settings.limit_consent_per_ip)
    return [LimitRequest("consent", limit, (call.key.public_key, call.limit_ip))]


async def verify_receipt(request: Request) -> Response:
    """``POST /v1/receipts/verify``: is this receipt genuine, and what does it say."""
    services: Services = request.app.state.services
    try:
        settings = services.settings
        ip = limit_identity(
            client_ip(request.scope, settings.trusted_proxies), settings.ipv6_limit_prefix
        )
        await services.limiter.enforce([LimitRequest("ip", services.settings.limit_per_ip, (ip,))])
        key = await authenticate(request, services)
        data = await read_json(request, services.settings.max_body_bytes, ("receipt",))
        receipt = data.get("receipt")
        if set(data) != {"receipt"} or not isinstance(receipt, str):
            problems = Problems()
            problems.unknown("", set(data) - {"receipt"})
            if "receipt" not in data:
                problems.add("receipt", rule.MISSING, "required")
            elif not isinstance(receipt, str):
                problems.add("receipt", rule.WRONG_TYPE, "a string")
            problems.raise_if_any('send {"receipt": "…"}')
        assert isinstance(receipt, str)
        check = receipts.verify(services.signing, receipt, key.public_key)
    except GatewayError as exc:
        services.metrics.error(exc.code)
        return problem_response(exc)
    return Response(
        _dumps(check.to_json()),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[Route]:
    return [
        Route("/v1/receipts/verify", verify_receipt, methods=["POST"]),
        widget_route("/consent/config", get_config, widget="consent", methods=["GET"]),
        widget_route(
            "/consent", post_consent, widget="consent", methods=["POST"], limits=consent_limits
        ),
        widget_route("/consent/shown", post_shown, widget="consent", methods=["POST"]),
    ]


openapi.describe(
    "/v1/{public_key}/consent/config",
    {
        "get": openapi.operation(
            "Banner config for this key, texts resolved for one language (ETag, 304)",
            "200",
            params=[
                openapi.PK,
                {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "Wanted languages, best first, comma-separated",
                },
            ],
        )
    },
)
openapi.describe(
    "/v1/{public_key}/consent",
    {
        "post": openapi.operation(
            "Record a consent choice; answers a signed receipt",
            "201",
            params=[openapi.PK],
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["consent_id", "action", "categories", "policy_version", "page_url"],
                "properties": {
                    "consent_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                    "action": {"enum": ["accept_all", "reject_all", "custom", "withdraw"]},
                    "categories": {"type": "object", "additionalProperties": {"type": "boolean"}},
                    "services": {"type": "object", "additionalProperties": {"type": "boolean"}},
                    "policy_version": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,40}$"},
                    "language": {"type": "string"},
                    "gpc": {"type": "boolean"},
                    "page_url": {"type": "string", "format": "uri", "maxLength": 2048},
                    "given_at": {"type": "string", "format": "date-time"},
                    "record_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                    "config_digest": {"type": "string", "pattern": "^[0-9a-f]{20}$"},
                    "variant": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,31}$"},
                },
            },
            errors=(401, 403, 413, 415, 422, 429, 503),
        )
    },
)
openapi.describe(
    "/v1/{public_key}/consent/shown",
    {
        "post": openapi.operation(
            "The banner was shown to a visitor without a choice (counted as banners_shown)",
            "204",
            params=[openapi.PK],
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "properties": {"config_digest": {"type": "string", "pattern": "^[0-9a-f]{20}$"}},
            },
            errors=(401, 403, 413, 415, 422, 429, 503),
        )
    },
)
openapi.describe(
    "/v1/receipts/verify",
    {
        "post": openapi.operation(
            "Is this receipt genuine for the key, and what does it say",
            "200",
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["receipt"],
                "properties": {"receipt": {"type": "string", "maxLength": 4096}},
            },
            errors=(401, 403, 422, 429),
            tags=("site backends",),
            security=[{"privateKey": []}],
        )
    },
)
