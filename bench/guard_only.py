"""The gateway with a config endpoint that answers a constant JSON, for ``bench/run.py --app``.

Same app, same guard (key, origin, CORS) and the same limits in Redis, but the consent config is
not resolved per request: the difference to ``gateway.app:create_app`` is what the endpoint's own
work costs, and what remains is the price of the guard and the limits.

    .venv/bin/python bench/run.py --engines script --app bench.guard_only:create_app
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response

from bench.bare import CONFIG
from gateway.app import create_app as create_gateway
from gateway.web.guard import WidgetCall, widget_route


async def constant_config(call: WidgetCall) -> Response:
    return JSONResponse(CONFIG)


def create_app() -> Starlette:
    app = create_gateway()
    route = widget_route("/consent/config", constant_config, widget="consent", methods=["GET"])
    app.router.routes.insert(0, route)  # first match wins: it shadows the real config route
    return app
