"""The fast lane: the widgets' routes answered without Starlette's middleware stack.

Every widget request — an asset, a config ``GET``, a preflight, a consent or rights ``POST`` —
is a :class:`~gateway.web.routing.DirectRoute`: its endpoint answers every error itself, as a
problem answer. Such a request needs nothing of Starlette's two exception middlewares or of the
router's own dispatch, which together cost about as much as the asset's whole answer. The fast
lane sits outermost, finds the request's route with the indexed router and runs it under the
access accounting (request id, access line, duration histogram) that every request gets. Any
other request goes through the full stack unchanged.

The lane is off when tracing is on (the tracing middleware sees every request), and requests
that arrived on the operator port always go through the full stack, to the operator app.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.web.access import accounted
from gateway.web.routing import IndexedRouter


class FastLane:
    """Pure ASGI: widget routes straight to their endpoint, everything else to ``app``."""

    def __init__(self, app: ASGIApp, router: IndexedRouter, operator_port: int | None) -> None:
        self.app = app
        self.router = router
        self.operator_port = operator_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._operator(scope):
            route = self.router.direct(scope)
            if route is not None:
                await accounted(route.handle, scope, receive, send, last_resort=True)
                return
        await self.app(scope, receive, send)

    def _operator(self, scope: Scope) -> bool:
        server = scope.get("server")
        port = self.operator_port
        return port is not None and server is not None and server[1] == port
