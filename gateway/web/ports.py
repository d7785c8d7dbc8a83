"""The operator port: operator routes on a port of their own, one process, one set of services.

With ``GATEWAY_OPERATOR_PORT`` set, ``serve`` listens on two sockets with one uvicorn server
(so ``--workers`` shares both), and :class:`OperatorPort` sends each request by the local port it
arrived on (``scope["server"]``): the operator port to the operator app (``/metrics``,
``/readyz``, ``/healthz``, ``/admin/v1/…``, ``/admin/``), any other to the public app (widgets,
the widget API, ``/healthz``), where the operator routes do not exist and answer 404.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class OperatorPort:
    """Pure ASGI: requests that arrived on ``port`` go to ``operator``, the rest to ``app``."""

    def __init__(self, app: ASGIApp, operator: ASGIApp, port: int) -> None:
        self.app = app
        self.operator = operator
        self.port = port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            server = scope.get("server")
            if server is not None and server[1] == self.port:
                await self.operator(scope, receive, send)
                return
        await self.app(scope, receive, send)
