"""Settings from the environment: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from gateway.settings import Settings, SettingsError

SECRET = "s" * 40
ADMIN_TOKEN = secrets.token_urlsafe(32)


def test_embedded_default_needs_nothing_and_keeps_its_secret(tmp_path: Path) -> None:
    settings = Settings.from_env({"GATEWAY_DATA_DIR": str(tmp_path)})
    assert settings.embedded
    first = settings.signing_secrets()
    assert first == Settings.from_env({"GATEWAY_DATA_DIR": str(tmp_path)}).signing_secrets()
    assert len(first[0]) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_REDIS_URL": "redis://127.0.0.1:6390/2",
            "GATEWAY_SECRET_KEY": f"{SECRET}1, {SECRET}2",
            "GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32",
            "GATEWAY_LIMIT_PER_IP": "10/second;100/minute",
            "GATEWAY_LIMITS_FAIL_CLOSED": "true",
            "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    assert not settings.embedded
    assert settings.signing_secrets() == [f"{SECRET}1", f"{SECRET}2"]
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "2001:db8::/32"]
    assert settings.limits_fail_closed is True


def test_secrets_never_print() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_REDIS_URL": "redis://:hunter2@127.0.0.1:6390/0",
            "GATEWAY_SECRET_KEY": SECRET,
            "GATEWAY_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    text = repr(settings) + str(settings.describe())
    assert "hunter2" not in text and SECRET not in text and ADMIN_TOKEN not in text


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"GATEWAY_LIMIT_PER_IP": "lots"}, "GATEWAY_LIMIT_PER_IP"),
        ({"GATEWAY_LIMIT_RIGHTS_PER_EMAIL": "3 per fortnight"}, "GATEWAY_LIMIT_RIGHTS_PER_EMAIL"),
        ({"GATEWAY_REDIS_URL": "http://redis"}, "GATEWAY_REDIS_URL"),
        ({"GATEWAY_REDIS_URL": "redis://127.0.0.1:6390"}, "GATEWAY_SECRET_KEY"),
        ({"GATEWAY_SECRET_KEY": "short"}, "GATEWAY_SECRET_KEY"),
        ({"GATEWAY_TRUSTED_PROXIES": "10.0.0.0/33"}, "GATEWAY_TRUSTED_PROXIES"),
        ({"GATEWAY_LIMITS_FAIL_CLOSED": "maybe"}, "GATEWAY_LIMITS_FAIL_CLOSED"),
        ({"GATEWAY_REDIS_TIMEOUT": "soon"}, "GATEWAY_REDIS_TIMEOUT"),
        ({"GATEWAY_REDIS_TIMEOUT": "60"}, "GATEWAY_REDIS_TIMEOUT"),
        ({"GATEWAY_MAX_BODY_BYTES": "10"}, "GATEWAY_MAX_BODY_BYTES"),
        ({"GATEWAY_ADMIN_TOKEN": "abc"}, "GATEWAY_ADMIN_TOKEN"),
        ({"GATEWAY_LIMIT_STRATEGY": "leaky"}, "GATEWAY_LIMIT_STRATEGY"),
        (
            {
                "GATEWAY_REDIS_URL": "redis+sentinel://127.0.0.1:26379/wg",
                "GATEWAY_SECRET_KEY": SECRET,
                "GATEWAY_REDIS_WAIT_TIMEOUT": "0.25",
            },
            "GATEWAY_REDIS_WAIT_TIMEOUT",
        ),
        ({"GATEWAY_REDIS_WAIT_TIMEOUT": "0"}, "GATEWAY_REDIS_WAIT_TIMEOUT"),
        ({"GATEWAY_REDIS_WAIT_REPLICAS": "-1"}, "GATEWAY_REDIS_WAIT_REPLICAS"),
    ],
    ids=[
        "limit-syntax",
        "limit-unit",
        "redis-scheme",
        "secret-required",
        "secret-short",
        "cidr",
        "bool",
        "float",
        "timeout-range",
        "body-range",
        "admin-short",
        "strategy",
        "wait-past-redis-timeout",
        "wait-for-ever",
        "wait-replicas",
    ],
)
def test_errors_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert str(info.value).startswith(variable + ":")


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (secrets.token_urlsafe(32)[:31], "at least 32 characters"),
        ("abc123", "at least 32 characters"),
        ("t" * 48, "different characters"),
        ("abab" * 12, "different characters"),
        ("admin-token-" + "t" * 30, "repeats"),
        ("admin-token-" + "Zq8w" * 8, "repeats"),
        ("0123456789abcdef" * 3, "repeats"),
    ],
    ids=["31-chars", "short", "one-char", "two-chars", "padded", "pattern", "sequence-twice"],
)
def test_a_weak_admin_token_stops_the_start(token: str, why: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"GATEWAY_ADMIN_TOKEN": token})
    message = str(info.value)
    assert message.startswith("GATEWAY_ADMIN_TOKEN:") and why in message
    assert token not in message  # the error names the setting, never its value
    assert "secrets.token_urlsafe" in message


@pytest.mark.parametrize(
    "token",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(16),
        secrets.token_hex(24),
        "correct horse battery staple orbit lantern",
    ],
    ids=["urlsafe-32", "hex-16", "hex-24", "passphrase"],
)
def test_a_strong_admin_token_is_accepted(token: str) -> None:
    assert str(Settings.from_env({"GATEWAY_ADMIN_TOKEN": token}).admin_token) == token


def test_settings_doc_is_generated_from_the_code() -> None:
    from gateway.settings import settings_table

    doc = (Path(__file__).resolve().parents[2] / "docs" / "settings.md").read_text()
    assert doc.endswith(settings_table()), "regenerate docs/settings.md from settings_table()"


def test_the_wait_timeout_is_bounded_by_the_socket_timeout_only_where_writes_wait() -> None:
    # A single Redis (or the embedded default) never sends WAIT: a short socket timeout is fine.
    env = {"GATEWAY_REDIS_TIMEOUT": "0.05", "GATEWAY_SECRET_KEY": SECRET}
    assert (
        Settings.from_env({**env, "GATEWAY_REDIS_URL": "redis://127.0.0.1:6390/0"}).redis_timeout
        == 0.05
    )
    with pytest.raises(SettingsError, match="GATEWAY_REDIS_WAIT_TIMEOUT"):
        Settings.from_env({**env, "GATEWAY_REDIS_URL": "redis+cluster://127.0.0.1:7000"})
