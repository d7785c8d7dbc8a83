"""The access log and request ids: useful lines that hold nothing personal."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.support.gateway_process import GatewayProcess

EMAIL = "jane.doe@example.com"


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ("req-0123456789abcdef", True),
        ("short", False),
        ("bad id with spaces", False),
        ("x" * 65, False),
        (None, False),
    ],
    ids=["valid", "too-short", "bad-characters", "too-long", "absent"],
)
def test_request_id_taken_when_valid_else_generated(
    data_dir: Path, sent: str | None, echoed: bool
) -> None:
    with client_for(settings_for(data_dir)) as gw:
        headers = {"X-Request-ID": sent} if sent is not None else {}
        answer = gw.get("/healthz", headers=headers)
    rid = answer.headers["x-request-id"]
    assert (rid == sent) is echoed
    assert 8 <= len(rid) <= 64


def test_no_query_key_email_or_full_ip_in_any_line(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    key = stored_key(settings)
    pk, sk = key.key.public_key, key.private_key
    with GatewayProcess(tmp_path, {}, host="::") as gw:
        v4 = f"http://127.0.0.1:{gw.port}"
        v6 = f"http://[::1]:{gw.port}"
        with httpx.Client(base_url=v4) as c4, httpx.Client(base_url=v6) as c6:
            exposed = c4.get(
                f"/v1/{pk}/consent/config", params={"key": sk}, headers={"Origin": SITE}
            )
            assert exposed.status_code == 403  # a private key in a browser request
            found = c6.get(f"/v1/{pk}/consent/config", headers={"Origin": SITE})
            assert found.status_code == 200
            c4.get(f"/v1/{pk}/rights/{EMAIL}", params={"email": EMAIL})
            c6.get(f"/lookup/{EMAIL}")
            traced = c6.get("/widgets/consent.js", headers={"X-Request-ID": "trace-me-12345678"})
            assert traced.headers["x-request-id"] == "trace-me-12345678"
    output = gw.output()
    lines = [line for line in output.splitlines() if line.strip()]
    access = [json.loads(line) for line in lines if '"gateway.access"' in line]
    assert len(access) >= 5
    for entry in access:
        assert {"timestamp", "level", "logger", "message", "request_id", "route", "status"} <= set(
            entry
        ) and "duration_ms" in entry
        assert pk not in json.dumps(entry)
    assert any(e["route"] == "/v1/{public_key}/consent/config" for e in access)
    assert any(e["request_id"] == "trace-me-12345678" for e in access)
    assert {e["client"] for e in access} == {"127.0.0.0/24", "::/48"}
    for secret in (sk, EMAIL, "key=", "email=", "127.0.0.1", "::1"):
        assert secret not in output, secret
    # Every line is one JSON object (uvicorn's own lines too).
    for line in lines:
        if line.startswith("widget-gateway:"):
            continue  # the start-up banner, before logging is set up
        json.loads(line)
