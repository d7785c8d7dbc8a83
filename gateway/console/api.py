"""Every route of the console API, in one list for the app."""

from __future__ import annotations

from starlette.routing import Route

from gateway.console import (
    api_auth,
    api_consents,
    api_editor,
    api_keys,
    api_me,
    api_members,
    api_retention,
    api_rights,
    api_scans,
    api_webhooks,
    sso,
)


def routes() -> list[Route]:
    return [
        *api_auth.routes(),
        *api_me.routes(),
        *api_members.routes(),
        *api_keys.routes(),
        *api_editor.routes(),
        *api_rights.routes(),
        *api_webhooks.routes(),
        *api_consents.routes(),
        *api_retention.routes(),
        *api_scans.routes(),
        *sso.routes(),
    ]
