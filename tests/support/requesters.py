"""Confirming a requester's address as the e-mailed link does, for tests about what follows."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from gateway.portal.codes import LINK_PURPOSE, link_token


def confirm(client: TestClient, reference: str) -> None:
    """Post the token of the request's e-mailed link, as the requester's page does."""
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    token = link_token(services.signing.serializer(LINK_PURPOSE), reference)
    answer = client.post("/portal/api/verify", json={"token": token})
    assert answer.status_code == 200, answer.text
