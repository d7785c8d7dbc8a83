"""Sink and delivery settings: a wrong one stops the gateway at start, naming the variable."""

from __future__ import annotations

import pytest

from gateway.delivery.http import HttpSink
from gateway.delivery.sinks import build_sinks
from gateway.settings import Settings, SettingsError


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"GATEWAY_CONSENT_SINK": "ftp://host/x"}, "GATEWAY_CONSENT_SINK"),
        ({"GATEWAY_RIGHTS_SINK": "file://relative.jsonl"}, "GATEWAY_RIGHTS_SINK"),
        ({"GATEWAY_RIGHTS_SINK": "redis-stream://rights"}, "GATEWAY_RIGHTS_SINK"),
        ({"GATEWAY_CONSENT_SINK": "https:///records"}, "GATEWAY_CONSENT_SINK"),
        ({"GATEWAY_DELIVERY_MAX_ATTEMPTS": "0"}, "GATEWAY_DELIVERY_MAX_ATTEMPTS"),
        (
            {"GATEWAY_DELIVERY_TIMEOUT": "30", "GATEWAY_DELIVERY_CLAIM_IDLE": "10"},
            "GATEWAY_DELIVERY_CLAIM_IDLE",
        ),
        ({"GATEWAY_SINK_ROTATE_DAILY": "maybe"}, "GATEWAY_SINK_ROTATE_DAILY"),
    ],
    ids=[
        "scheme",
        "relative-file",
        "stream-without-redis",
        "no-host",
        "attempts",
        "claim-idle",
        "bool",
    ],
)
def test_wrong_sink_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert str(info.value).startswith(variable + ":")


def test_an_http_sink_with_credentials_never_shows_them() -> None:
    settings = Settings.from_env(
        {"GATEWAY_CONSENT_SINK": "https://user:hunter2@consent.internal:8443/records?t=1"}
    )
    sink = build_sinks(settings, None)["consent"]
    assert isinstance(sink, HttpSink)
    assert sink.label == "https://consent.internal:8443/records"
    assert "hunter2" not in sink.label
