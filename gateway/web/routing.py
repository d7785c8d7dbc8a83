"""A router that tries only the routes a path can match: indexed by the path's first segment.

Starlette's router tries every route in order until one matches. The public app has some sixty
routes, and a widget asset or a config ``GET`` paid for a regular-expression match against each
route before its own — a third of an asset answer's time. :class:`IndexedRouter` groups the
routes by the literal first segment of their path (``v1``, ``widgets``, ``console``, …); a
request tries, in the routes' own order, those of its first segment and those whose first
segment is a parameter. The answer is the one Starlette's loop gives: the first full match,
else the first partial one (a ``405``). When none matches, Starlette's own router answers
(the trailing-slash redirect, the ``404``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send

RawHeaders = list[tuple[bytes, bytes]]


def encode_headers(fields: Mapping[str, str]) -> RawHeaders:
    """Header fields as the ASGI header lines an answer sends: lower-case names, latin-1."""
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fields.items()]


def header_value(scope: Scope, name: bytes) -> str | None:
    """The request's first ``name`` field (a lower-case name), as ``request.headers.get`` reads
    it, without building Starlette's header mapping on the hot paths."""
    field: bytes
    value: bytes
    for field, value in scope["headers"]:
        if field == name:
            return value.decode("latin-1")
    return None


_ANY = "\x00any"
# Remembered (method, path) lookups of the fast lane: at most 1,024 paths of at most 200
# characters (a widget's are under 80): about half a MB whatever paths clients send.
FOUND_ENTRIES = 1024
FOUND_PATH = 200


def first_segment(path: str) -> str:
    """``/v1/{public_key}/consent`` → ``v1``; a parameter (or no literal) → any path."""
    segment = path.lstrip("/").split("/", 1)[0]
    return _ANY if "{" in segment else segment


def _route_segment(route: BaseRoute) -> str:
    # A mount at "" (or a host route, or any other kind) may take any path.
    if isinstance(route, Route | WebSocketRoute | Mount) and route.path:
        return first_segment(route.path)
    return _ANY


class IndexedRouter(Router):
    """:class:`starlette.routing.Router`, trying only the routes of the path's first segment."""

    _index: dict[str, tuple[BaseRoute, ...]]
    _wildcards: tuple[BaseRoute, ...]
    _indexed: tuple[int, int] = (0, -1)

    def _build_index(self, routes: Sequence[BaseRoute]) -> None:
        segments = [_route_segment(r) for r in routes]
        names = {s for s in segments if s != _ANY}
        self._index = {
            name: tuple(r for r, s in zip(routes, segments, strict=True) if s in (name, _ANY))
            for name in names
        }
        self._wildcards = tuple(r for r, s in zip(routes, segments, strict=True) if s == _ANY)
        self._indexed = (id(routes), len(routes))
        self._by_method: dict[tuple[int, str], tuple[tuple[BaseRoute, str | None], ...]] = {}
        self._found: dict[tuple[str, str], tuple[DirectRoute, dict[str, Any]] | None] = {}

    def candidates(self, path: str) -> tuple[BaseRoute, ...]:
        routes = self.routes
        if self._indexed != (id(routes), len(routes)):
            self._build_index(routes)
        segment = path[1:].split("/", 1)[0] if path.startswith("/") else path
        return self._index.get(segment, self._wildcards)

    def direct(self, scope: Scope) -> DirectRoute | None:
        """The :class:`DirectRoute` that :meth:`app` would hand this request to (the first full
        match), with the path parameters put in ``scope``; None, and ``scope`` untouched, when
        that route is of another kind or no route fully matches (the ``405`` and ``404`` are
        Starlette's to answer)."""
        if scope.get("root_path"):
            return None
        routes = self.routes
        if self._indexed != (id(routes), len(routes)):
            self._build_index(routes)
        # What a (method, path) finds never changes while the routes do not: a widget's paths
        # are few per key, so most requests are a dictionary hit instead of a regex match.
        key = (scope["method"], scope["path"])
        try:
            found = self._found[key]
        except KeyError:
            found = self._find_direct(scope)
            if len(key[1]) <= FOUND_PATH:
                if len(self._found) >= FOUND_ENTRIES:  # a client may send any path: bounded
                    self._found.clear()
                self._found[key] = found
        if found is None:
            return None
        route, params = found
        scope["router"] = self
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = dict(params)
        return route

    def _find_direct(self, scope: Scope) -> tuple[DirectRoute, dict[str, Any]] | None:
        path = scope["path"]
        probe = {**scope, "path_params": {}}
        for route, literal in self._method_candidates(path, scope["method"]):
            if literal is not None and literal != path:
                continue  # a path without parameters matches only itself
            match, child_scope = route.matches(probe)
            if match is Match.FULL:
                if not isinstance(route, DirectRoute):
                    return None
                return route, dict(child_scope.get("path_params", {}))
        return None

    def _method_candidates(
        self, path: str, method: str
    ) -> tuple[tuple[BaseRoute, str | None], ...]:
        """:meth:`candidates` without the routes that never take ``method`` (only a route that
        takes it can match fully, so the first full match is the same), each with its path
        when that path has no parameters."""
        found = self.candidates(path)
        key = (id(found), method)
        kept = self._by_method.get(key)
        if kept is None:
            kept = tuple(
                (r, r.path if isinstance(r, Route) and "{" not in r.path else None)
                for r in found
                if not isinstance(r, Route) or r.methods is None or method in r.methods
            )
            if len(self._by_method) < 4096:  # methods are few, but a client may invent some
                self._by_method[key] = kept
        return kept

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        partial = partial_scope = None
        for route in self.candidates(path):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None and partial_scope is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        # No route takes this path: Starlette's router redirects or answers 404 as it would.
        await super().app(scope, receive, send)


class RawResponse(Response):
    """An answer whose header lines are given already encoded (cached per key version and
    origin on the hot paths), so nothing is encoded or rescanned per request."""

    def __init__(self, body: bytes, status_code: int, raw_headers: RawHeaders) -> None:
        self.body = body
        self.status_code = status_code
        self.background = None
        self.raw_headers = raw_headers


class DirectRoute(Route):
    """A route whose endpoint answers every error itself (a problem answer, never a raise).

    Called without Starlette's per-request exception wrapper, which such an endpoint never
    needs: the endpoint's answer is sent as it is. A method the route does not take still gets
    Starlette's ``405``.
    """

    def __init__(
        self, path: str, endpoint: Callable[[Request], Awaitable[Response]], methods: list[str]
    ) -> None:
        super().__init__(path, endpoint, methods=methods)
        self._answer = endpoint

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            await super().handle(scope, receive, send)
            return
        response = await self._answer(Request(scope, receive, send))
        await response(scope, receive, send)
