"""``GET|PUT /api/v1/retention``: the account's retention rules (``rights:read``,
``rights:write``).

Two periods: how many months consent proofs are kept (default 13, the CNIL's guidance for proof
of consent) and how many days after closure a rights request is anonymised (default 365). A
``PUT`` sets both; every broken rule is listed with its JSON pointer (``missing_field``,
``invalid_field_type``, ``out_of_range``, ``unknown_field``). The console's retention form
reads and writes through the same functions (``gateway.console.api_retention``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.oauth.api_auth import ApiCaller, api_route
from gateway.problems import MISSING, OUT_OF_RANGE, UNKNOWN, WRONG_TYPE, Problems
from gateway.records import retention
from gateway.records.api import params
from gateway.records.api.common import store_of
from gateway.records.retention import RetentionRule
from gateway.web.body import read_json

if TYPE_CHECKING:
    from gateway.services import Services

READ = "rights:read"
WRITE = "rights:write"
MAX_BODY = 1024
BOUNDS = {
    "consent_months": (1, retention.MAX_CONSENT_MONTHS),
    "rights_days": (0, retention.MAX_RIGHTS_DAYS),
}


def parse_rule(body: dict[str, Any]) -> RetentionRule:
    """Both periods from a JSON object, or :class:`~gateway.errors.InvalidPayload` with every
    problem found."""
    problems = Problems()
    problems.unknown("", set(body) - set(BOUNDS), code=UNKNOWN)
    values: dict[str, int] = {}
    for name, (low, high) in BOUNDS.items():
        value = body.get(name)
        if value is None:
            problems.add(name, MISSING, "required")
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.add(name, WRONG_TYPE, "a whole number")
        elif not low <= value <= high:
            problems.add(name, OUT_OF_RANGE, f"from {low} to {high}")
        else:
            values[name] = value
    problems.raise_if_any("the retention rules are not valid")
    return RetentionRule(**values)


def render(rule: RetentionRule) -> dict[str, Any]:
    default = retention.DEFAULT_RULE
    return {
        "consent_months": rule.consent_months,
        "rights_days": rule.rights_days,
        "defaults": {"consent_months": default.consent_months, "rights_days": default.rights_days},
        "limits": {name: {"minimum": low, "maximum": high} for name, (low, high) in BOUNDS.items()},
    }


async def rules_answer(services: Services, account: str) -> Response:
    """The rules ``account`` has (the defaults when it set none)."""
    return JSONResponse(render(await retention.rule_for(store_of(services), account)))


async def set_rules_answer(services: Services, account: str, body: dict[str, Any]) -> Response:
    """Keep both periods of ``body`` for ``account``; answers the rules as kept."""
    store = store_of(services)
    rule = parse_rule(body)
    await retention.set_rule(store, account, rule)
    return JSONResponse(render(await retention.rule_for(store, account)))


async def show(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/retention``."""
    params.only(request.query_params, ())
    return await rules_answer(services, caller.account)


async def replace(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``PUT /api/v1/retention`` with ``{"consent_months": …, "rights_days": …}``."""
    params.only(request.query_params, ())
    body = await read_json(request, MAX_BODY)
    return await set_rules_answer(services, caller.account, body)


def routes() -> list[Route]:
    return [
        api_route("/retention", show, methods=["GET"], scope=READ),
        api_route("/retention", replace, methods=["PUT"], scope=WRITE),
    ]
