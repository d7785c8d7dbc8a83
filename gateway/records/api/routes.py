"""Every route of the records API, in one list for the app."""

from __future__ import annotations

from starlette.routing import Route

from gateway.records.api import casework, consents, describe, retention, rights


def routes() -> list[Route]:
    describe.register()
    return [*consents.routes(), *rights.routes(), *casework.routes(), *retention.routes()]
