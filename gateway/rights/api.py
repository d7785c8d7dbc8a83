"""The rights form's endpoints: ``GET /v1/{pk}/rights/config`` and ``POST /v1/{pk}/rights``.

A submission goes: body read (size, type) → honeypot → form token (genuine, this key, not too
young, not too old) → strict validation → a recent identical submission answered with its first
reference → the per-email limit → the request written durably to the rights sink → where it is
stored in the records store, the code that confirms the requester's address mailed → ``202``.
The per-IP limit is checked by the guard, before any of this. Nothing a visitor typed goes into
logs, metrics or error messages.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import orjson
from starlette.responses import Response
from starlette.routing import Route

from gateway.clock import utc
from gateway.errors import (
    FormTokenUsed,
    GatewayError,
    InvalidPayload,
    SinkUnavailable,
    SpamSuspected,
)
from gateway.ratelimit.limiter import LimitRequest
from gateway.rights.config import RightsConfig, parse_rights_config, public_config, resolve_language
from gateway.rights.duplicates import Duplicates, fingerprint
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.rights.nonces import UsedNonces
from gateway.rights.requests import (
    BODY_FIELDS,
    RightsRequest,
    new_reference,
    normalise_email,
    request_law,
    respond_by,
    validate_submission,
)
from gateway.web import openapi
from gateway.web.body import read_json
from gateway.web.guard import WidgetCall, widget_route
from gateway.web.routing import RawResponse

log = logging.getLogger("gateway.rights")
HONEYPOT = "website"
_NO_STORE = (b"cache-control", b"no-store")
_JSON = (b"content-type", b"application/json")
_VARY_LANGUAGE = (b"vary", b"Accept-Language")


def _answer(body: Any, status: int = 200, *extra: tuple[bytes, bytes]) -> Response:
    """``body`` as compact JSON (what Starlette's JSONResponse writes), kept from every cache."""
    encoded = orjson.dumps(body)
    length = (b"content-length", str(len(encoded)).encode())
    return RawResponse(encoded, status, [_NO_STORE, *extra, length, _JSON])


def routes() -> list[Route]:
    return [
        widget_route("/rights/config", rights_config, widget="rights", methods=["GET"]),
        widget_route(
            "/rights",
            submit_rights_request,
            widget="rights",
            methods=["POST"],
            limits=ip_limit,
            defer_limits=True,
        ),
    ]


def ip_limit(call: WidgetCall) -> list[LimitRequest]:
    limit = call.key.limit("rights_per_ip", call.services.settings.limit_rights_per_ip)
    return [LimitRequest("rights_ip", limit, (call.key.public_key, call.limit_ip))]


def form_tokens(call: WidgetCall) -> FormTokens:
    settings = call.services.settings
    return FormTokens(
        call.services.signing.serializer(PURPOSE),
        settings.rights_token_min_age,
        settings.rights_token_max_age,
    )


def key_config(call: WidgetCall) -> RightsConfig:
    try:
        return parse_rights_config(call.key.rights_config)
    except InvalidPayload:
        # Saving checks configs, so this is an old or hand-edited record: the operator's problem,
        # not the visitor's, and not theirs to see.
        log.error("key %s has an invalid rights config", call.key.public_key)
        raise GatewayError("this key's rights form is misconfigured") from None


async def rights_config(call: WidgetCall) -> Response:
    """The form: types, fields and texts in the visitor's language, with a fresh form token."""
    config = key_config(call)
    request = call.request
    lang = resolve_language(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        config.default_language,
    )
    body = public_config(config, lang)
    body["form_token"] = form_tokens(call).issue(call.key.public_key, call.services.clock())
    body["min_age_ms"] = int(call.services.settings.rights_token_min_age * 1000)
    body["honeypot"] = HONEYPOT
    if call.services.verifier is None:  # no code follows: the notice would not be true
        body["texts"].pop("notice.next", None)
    if config.enabled("requester_type"):
        # The agent's fields (rights-answer.js); a document only where the gateway keeps it.
        agents = call.services.agents
        body["agent"] = {} if agents is None else {"document_max_bytes": agents.max_bytes}
    # The token is fresh per answer: no cache may hand it to another visitor, or keep it.
    return _answer(body, 200, _VARY_LANGUAGE)


async def submit_rights_request(call: WidgetCall) -> Response:
    """Validate, deduplicate, limit, store durably, then answer ``202`` with the reference."""
    services = call.services
    settings = services.settings
    data = await read_json(call.request, settings.max_body_bytes, BODY_FIELDS)
    honeypot = data.get(HONEYPOT)
    if honeypot not in (None, ""):
        # A typed refusal, not a fake success: a person whose browser autofilled the hidden
        # field must learn that nothing was sent, since this is a legal request.
        raise SpamSuspected("the request was not stored")
    token = form_tokens(call).check(data.get("form_token"), call.key.public_key, services.clock())
    config = key_config(call)
    submission = validate_submission(data, config)

    secret = services.signing.secrets[0]
    fp = fingerprint(secret, call.key.public_key, submission.identity())
    duplicates = _duplicates(call)
    earlier = await duplicates.get(fp)
    if earlier is not None:
        services.metrics.rights_duplicates.inc()
        await call.admit()
        return _answer(earlier, 202)

    # Claimed before the per-email limit, so replaying one token burns no one's email budget.
    nonces = _used_nonces(call)
    if not await nonces.claim(token.nonce, token.expires_at):
        raise FormTokenUsed("this form was sent already; load the form again to send another")

    email_id = hmac.new(
        secret.encode(),
        b"rights-email:" + normalise_email(submission.email).encode(),
        hashlib.sha256,
    ).hexdigest()[:32]
    limit = call.key.limit("rights_per_email", settings.limit_rights_per_email)
    # The request's one limiter call: the guard's limits and this per-address one together.
    await call.admit([LimitRequest("rights_email", limit, (call.key.public_key, email_id))])

    received_at = utc(services.clock())
    law = request_law(submission.regime, config.law)
    reference = new_reference()
    verifier = services.verifier
    # Where requests are stored here, the requester confirms their address by a code: stored
    # with the request, in its transaction, and mailed once it is committed.
    code, kept = (None, None) if verifier is None else verifier.opening(reference, received_at)
    accepted = RightsRequest(
        reference=reference,
        submission=submission,
        public_key=call.key.public_key,
        account=call.key.account,
        origin=call.origin,
        received_at=received_at,
        respond_by=respond_by(law, received_at),
        law=law,
        email_verified=verifier is None,
        code=kept,
    )
    answer = accepted.answer()
    if submission.by_agent and services.agents is not None:
        # The one token the agent's authorisation is sent with (POST …/rights/document).
        answer["document_token"] = services.agents.upload_token(accepted.reference)
    other = await duplicates.claim(fp, answer)
    if other is not None:  # the same submission, sent concurrently, won the race
        return _answer(other, 202)
    try:
        with services.tracing.span("gateway.sink.write", {"gateway.sink": "rights"}):
            await services.sinks["rights"].write(accepted.envelope())
    except Exception as exc:
        await duplicates.release(fp)
        await nonces.release(token.nonce)
        if isinstance(exc, GatewayError):
            raise
        log.error("rights sink failed: %s", type(exc).__name__)
        raise SinkUnavailable("the request could not be stored; please send it again") from None
    services.metrics.rights_requests.labels(regime=submission.regime).inc()
    if verifier is not None and code is not None:
        try:
            await verifier.start(accepted, code)
        except Exception as exc:  # stored: the requester asks for a new code, or is reminded
            log.warning("verification code not sent now: %s", type(exc).__name__)
    return _answer(answer, 202)


def _used_nonces(call: WidgetCall) -> UsedNonces:
    return call.services.nonces


def _duplicates(call: WidgetCall) -> Duplicates:
    return call.services.duplicates


openapi.describe(
    "/v1/{public_key}/rights/config",
    {
        "get": openapi.operation(
            "Rights form config for this key (types, fields, texts) with a fresh signed form token",
            "200",
            params=[
                openapi.PK,
                {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
        )
    },
)
openapi.describe(
    "/v1/{public_key}/rights",
    {
        "post": openapi.operation(
            "Submit a rights request; answers its reference and respond-by date",
            "202",
            params=[openapi.PK],
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["type", "email", "form_token"],
                "properties": {
                    "type": {"type": "string"},
                    "email": {"type": "string", "format": "email", "maxLength": 254},
                    "given_name": {"type": "string", "maxLength": 100},
                    "family_name": {"type": "string", "maxLength": 100},
                    "customer_reference": {"type": "string", "maxLength": 100},
                    "requester_type": {"enum": ["self", "agent"]},
                    "agent_name": {"type": "string", "maxLength": 100},
                    "agent_email": {"type": "string", "format": "email", "maxLength": 254},
                    "message": {"type": "string", "maxLength": 5000},
                    "custom": {"type": "object", "additionalProperties": {"type": "string"}},
                    "language": {"type": "string"},
                    "form_token": {"type": "string", "maxLength": 512},
                    "website": {"type": "string", "description": "honeypot: leave empty"},
                },
            },
            errors=(401, 403, 413, 415, 422, 429, 503),
        )
    },
)
