"""Which sinks a service gets: the database wherever there is a records store, the others
still usable beside it; wrong combinations stop the gateway at start, naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.db.engine import records_url
from gateway.delivery.http import HttpSink
from gateway.delivery.sinks import SinkGroup, build_sinks, each_sink, sink_urls
from gateway.settings import Settings, SettingsError

REDIS = {"GATEWAY_REDIS_URL": "redis://127.0.0.1:1/0", "GATEWAY_SECRET_KEY": "s" * 40}
PG = {"GATEWAY_DATABASE_URL": "postgresql://gw@db.internal:5432/records"}


@pytest.mark.parametrize(
    "env, consent_sinks",
    [
        ({}, ["database", "file://{data}/consent.jsonl"]),
        (REDIS, ["file://{data}/consent.jsonl"]),
        (REDIS | PG, ["database"]),
        ({"GATEWAY_CONSENT_SINK": "https://c.internal/r"}, ["https://c.internal/r"]),
        (
            REDIS | PG | {"GATEWAY_CONSENT_SINK": "database, redis-stream://consent"},
            ["database", "redis-stream://consent"],
        ),
        ({"GATEWAY_CONSENT_SINK": "database, database"}, ["database"]),
    ],
    ids=[
        "embedded",
        "redis-only",
        "redis-and-database",
        "http-only",
        "database-and-stream",
        "named-twice",
    ],
)
def test_the_sinks_each_setup_gets(
    env: dict[str, str], consent_sinks: list[str], tmp_path: Path
) -> None:
    settings = Settings.from_env(env | {"GATEWAY_DATA_DIR": str(tmp_path)})
    expected = [s.replace("{data}", str(tmp_path.absolute())) for s in consent_sinks]
    assert sink_urls(settings, "consent") == expected


@pytest.mark.parametrize(
    "env, variable",
    [
        (REDIS | {"GATEWAY_CONSENT_SINK": "database"}, "GATEWAY_CONSENT_SINK"),
        ({"GATEWAY_RIGHTS_SINK": "database,ftp://x/y"}, "GATEWAY_RIGHTS_SINK"),
        ({"GATEWAY_DATABASE_URL": "mysql://gw@db/records"}, "GATEWAY_DATABASE_URL"),
        ({"GATEWAY_DATABASE_URL": "sqlite://"}, "GATEWAY_DATABASE_URL"),
    ],
    ids=["database-without-store", "bad-second", "other-database", "sqlite-no-path"],
)
def test_wrong_database_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert str(info.value).startswith(variable + ":")


def test_the_database_url_never_prints() -> None:
    settings = Settings.from_env({"GATEWAY_DATABASE_URL": "postgresql://gw:hunter2@db:5432/r"})
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.describe())
    assert records_url(settings) == "postgresql://gw:hunter2@db:5432/r"


def test_an_http_sink_beside_the_database_still_gets_its_delivery_worker(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"GATEWAY_DATA_DIR": str(tmp_path), "GATEWAY_CONSENT_SINK": "database,https://c.internal/r"}
    )
    from gateway.records.sink import DatabaseSink

    made: list[str] = []

    def database(service: str) -> DatabaseSink:
        made.append(service)
        return DatabaseSink(service, None)  # type: ignore[arg-type]

    sinks = build_sinks(settings, None, database)
    consent = sinks["consent"]
    assert isinstance(consent, SinkGroup)
    assert consent.label == "database, https://c.internal/r"
    assert [type(s) for s in each_sink([consent])] == [DatabaseSink, HttpSink]
    assert made == ["consent", "rights"]
