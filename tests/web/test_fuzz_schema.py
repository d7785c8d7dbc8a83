"""The API as its schema describes it: a bounded schemathesis run, in process, over ASGI.

Schemathesis builds requests from ``/openapi.json`` (every operation, bodies as accepted, query
and path parameters) and checks every answer: never a 5xx, every status the operation answers
documented, every problem a problem+json document. A fixed number of examples per operation
keeps the run under a minute.
"""

from __future__ import annotations

import secrets
import tempfile
import zlib
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance
from starlette.datastructures import Secret

from gateway.app import create_app
from tests.gwclient import SITE, settings_for, stored_key

TOKEN = secrets.token_urlsafe(32)
# The schema is loaded at collection, so the app (and its data folder) exist at import.
DATA = Path(tempfile.mkdtemp(prefix="wg-schema-fuzz-"))
CONFIG = settings_for(
    DATA,
    admin_token=Secret(TOKEN),
    limit_per_ip="1000000/minute",
    limit_per_key="1000000/minute",
    limit_admin="1000000/minute",
    limit_admin_failures="1000000/minute",
)
KEY = stored_key(CONFIG)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(CONFIG))


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: schemathesis.Case) -> None:
    headers = {"Origin": SITE, "Authorization": f"Bearer {TOKEN}", "X-API-Key": KEY.private_key}
    # Half the time the real key, so the validation behind the guard is reached too.
    if "public_key" in (case.path_parameters or {}) and zlib.crc32(repr(case.body).encode()) % 2:
        case.path_parameters["public_key"] = KEY.key.public_key
    response = case.call(headers=headers)
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance],
        headers=headers,
    )
    # OAuth2 endpoints answer RFC 6749 errors and the sign-in pages HTML; the rest problem+json.
    if response.status_code >= 400 and not case.path.startswith("/oauth/"):
        assert response.headers["content-type"][0].startswith("application/problem+json")
