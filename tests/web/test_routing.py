"""The indexed router answers exactly as Starlette's router would, trying fewer routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.testclient import TestClient

from gateway.app import build_routes
from gateway.web.routing import FOUND_ENTRIES, FOUND_PATH, DirectRoute, IndexedRouter
from tests.gwclient import settings_for


async def named(request: Request) -> Response:
    route = request.scope["route"]
    return PlainTextResponse(f"{route.path} {dict(request.path_params)}")


def sample_routes() -> list[Any]:
    return [
        Route("/v1/{public_key}/consent/config", named, methods=["GET"]),
        Route("/v1/{public_key}/consent", named, methods=["POST"]),
        Route("/v1/{public_key}/{rest:path}", named, methods=["OPTIONS"]),
        Route("/widgets/{file}", named, methods=["GET"]),
        Route("/{page}.html", named, methods=["GET"]),  # a parameter first: tried for every path
        Route("/console/", named, methods=["GET"]),
        Route("/", named, methods=["GET"]),
        Mount("/static", routes=[Route("/{name}", named)]),
    ]


REQUESTS = [
    ("GET", "/v1/pk_a/consent/config"),
    ("POST", "/v1/pk_a/consent"),
    ("OPTIONS", "/v1/pk_a/consent"),
    ("DELETE", "/v1/pk_a/consent"),  # 405 from the first partial match
    ("GET", "/widgets/consent.js"),
    ("POST", "/widgets/consent.js"),
    ("GET", "/widgets/index.html"),  # only the parameter-first route takes it
    ("GET", "/console"),  # redirected to the trailing slash
    ("GET", "/"),
    ("GET", "/static/a.css"),
    ("GET", "/nowhere/at/all"),
    ("GET", "/v1"),
]


def client(router: Router) -> TestClient:
    app = Starlette()
    app.router = router
    return TestClient(app, follow_redirects=False)


@pytest.mark.parametrize(("method", "path"), REQUESTS, ids=[f"{m} {p}" for m, p in REQUESTS])
def test_the_indexed_router_answers_as_starlettes(method: str, path: str) -> None:
    plain = client(Router(routes=sample_routes())).request(method, path)
    indexed = client(IndexedRouter(routes=sample_routes())).request(method, path)
    assert (indexed.status_code, indexed.text) == (plain.status_code, plain.text)
    assert indexed.headers.get("allow") == plain.headers.get("allow")
    assert indexed.headers.get("location") == plain.headers.get("location")


def test_a_widget_asset_is_not_tried_against_the_gateways_other_routes(tmp_path: Path) -> None:
    routes = build_routes(settings_for(tmp_path))
    router = IndexedRouter(routes=routes)
    tried = router.candidates("/widgets/consent.js")
    assert 0 < len(tried) < len(routes) / 4
    assert {getattr(r, "path", "") for r in tried} >= {"/widgets/{file}"}
    assert not any(getattr(r, "path", "").startswith("/v1/") for r in tried)


def test_routes_added_later_are_indexed() -> None:
    router = IndexedRouter(routes=sample_routes())
    assert client(router).get("/late").status_code == 404
    router.routes.append(Route("/late", named, methods=["GET"]))
    assert client(router).get("/late").text.startswith("/late")


def direct_sample() -> list[Any]:
    """The sample with the widget routes as the gateway builds them: direct routes."""
    direct = {
        "/v1/{public_key}/consent/config": ["GET"],
        "/v1/{public_key}/consent": ["POST"],
        "/v1/{public_key}/{rest:path}": ["OPTIONS"],
        "/widgets/{file}": ["GET"],
    }
    return [
        DirectRoute(r.path, named, methods=direct[r.path]) if r.path in direct else r
        for r in sample_routes()
    ]


@pytest.mark.parametrize(("method", "path"), REQUESTS, ids=[f"{m} {p}" for m, p in REQUESTS])
def test_the_fast_lanes_lookup_finds_the_route_the_router_would_run(method: str, path: str) -> None:
    router = IndexedRouter(routes=direct_sample())
    answer = client(router).request(method, path)
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    found = router.direct(scope)
    ran = answer.text.split(" ")[0] if answer.status_code == 200 else None
    if found is None:
        # Only what no direct route fully takes is left to the full stack.
        assert not any(isinstance(r, DirectRoute) and r.path == ran for r in router.routes)
    else:
        assert found.path == ran
        assert scope["route"] is found
        assert "public_key" not in found.path or scope["path_params"]["public_key"] == "pk_a"


def test_a_remembered_lookup_gives_each_path_its_own_parameters() -> None:
    router = IndexedRouter(routes=direct_sample())

    def lookup(path: str) -> dict[str, Any]:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        assert router.direct(scope) is not None
        return dict(scope["path_params"])

    for _ in range(2):  # the second round is answered from what the first remembered
        assert lookup("/v1/pk_a/consent/config") == {"public_key": "pk_a"}
        assert lookup("/v1/pk_b/consent/config") == {"public_key": "pk_b"}
    # An endpoint that changes its parameters changes its own request's copy only.
    scope = {"type": "http", "method": "GET", "path": "/v1/pk_a/consent/config", "root_path": ""}
    router.direct(scope)
    scope["path_params"]["public_key"] = "changed"
    assert lookup("/v1/pk_a/consent/config") == {"public_key": "pk_a"}


def test_remembered_lookups_are_bounded_whatever_paths_clients_send() -> None:
    router = IndexedRouter(routes=direct_sample())
    for n in range(FOUND_ENTRIES + 50):
        scope = {"type": "http", "method": "GET", "path": f"/v1/pk_{n}/consent/config"}
        assert router.direct(scope) is not None
    long_path = "/v1/pk_" + "a" * FOUND_PATH + "/consent/config"
    assert router.direct({"type": "http", "method": "GET", "path": long_path}) is not None
    assert 0 < len(router._found) <= FOUND_ENTRIES
    assert ("GET", long_path) not in router._found


def test_a_route_added_later_is_found_by_the_fast_lane_too() -> None:
    router = IndexedRouter(routes=direct_sample())
    scope = {"type": "http", "method": "GET", "path": "/late"}
    assert router.direct(dict(scope)) is None
    router.routes.insert(0, DirectRoute("/late", named, methods=["GET"]))
    assert router.direct(dict(scope)) is router.routes[0]
