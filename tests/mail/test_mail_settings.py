"""GATEWAY_SMTP_URL and friends: the TLS each URL gets, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.mail.mailer import mailbox_dir, open_mailer
from gateway.mail.server import SmtpServer, TlsMode, parse_smtp_url
from gateway.settings import Settings, SettingsError
from tests.support.aio import run


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://u:p@mail.example:587", ("mail.example", 587, TlsMode.STARTTLS)),
        ("smtp://u:p@mail.example", ("mail.example", 587, TlsMode.STARTTLS)),
        ("smtp://mail.example:25", ("mail.example", 25, TlsMode.STARTTLS)),
        ("smtps://u:p@mail.example:465", ("mail.example", 465, TlsMode.IMPLICIT)),
        ("smtps://mail.example", ("mail.example", 465, TlsMode.IMPLICIT)),
        ("smtp://127.0.0.1:25", ("127.0.0.1", 25, TlsMode.STARTTLS_IF_OFFERED)),
        ("smtp://localhost:2525", ("localhost", 2525, TlsMode.STARTTLS_IF_OFFERED)),
        ("smtp://[::1]:25", ("::1", 25, TlsMode.STARTTLS_IF_OFFERED)),
        ("smtp://127.0.0.1:587", ("127.0.0.1", 587, TlsMode.STARTTLS)),
    ],
)
def test_tls_by_url(url: str, expected: tuple[str, int, TlsMode]) -> None:
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.tls) == expected


def test_credentials_are_decoded_and_never_shown() -> None:
    server = parse_smtp_url("smtp://apikey:p%40ss%3Aw%2Frd@mail.example:587")
    assert (server.username, server.password) == ("apikey", "p@ss:w/rd")
    assert "p@ss" not in repr(server) and server.label == "mail.example:587"
    assert SmtpServer("h", 1, TlsMode.STARTTLS).username is None


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"GATEWAY_SMTP_URL": "http://u:hunter2@mail.example"}, "GATEWAY_SMTP_URL"),
        ({"GATEWAY_SMTP_URL": "smtp://u:hunter2@mail.example"}, "GATEWAY_MAIL_FROM"),
        ({"GATEWAY_SMTP_CA_FILE": "/nonexistent/ca.pem"}, "GATEWAY_SMTP_CA_FILE"),
        ({"GATEWAY_MAIL_TIMEOUT": "0"}, "GATEWAY_MAIL_TIMEOUT"),
        ({"GATEWAY_MAIL_MAX_AGE": "-1"}, "GATEWAY_MAIL_TIMEOUT"),
    ],
)
def test_bad_mail_settings_name_their_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert str(caught.value).startswith(variable + ":")
    assert "hunter2" not in str(caught.value)


FROM = {"GATEWAY_MAIL_FROM": "noreply@shop.example"}


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({**FROM, "GATEWAY_SMTP_URL": "smtp://u:hunter2@"}, "GATEWAY_SMTP_URL"),
        ({**FROM, "GATEWAY_SMTP_URL": "smtp://u:hunter2@mail.example:99999"}, "GATEWAY_SMTP_URL"),
        ({**FROM, "GATEWAY_SMTP_URL": "smtp://:hunter2@mail.example"}, "GATEWAY_SMTP_URL"),
        ({**FROM, "GATEWAY_SMTP_URL": "smtp://u:hunter2@mail.example/x"}, "GATEWAY_SMTP_URL"),
        ({"GATEWAY_MAIL_FROM": "gateway"}, "GATEWAY_MAIL_FROM"),
        ({"GATEWAY_MAIL_FROM": "Gateway <gateway@localhost>"}, "GATEWAY_MAIL_FROM"),
        ({"GATEWAY_MAIL_FROM": "Gateway <a@example.org>\nBcc: b@example.org"}, "GATEWAY_MAIL_FROM"),
    ],
)
def test_what_only_the_mailer_can_check_stops_the_start(
    env: dict[str, str], variable: str, tmp_path: Path
) -> None:
    # The URL's parts and the address rule are checked when the mailer opens, in the lifespan.
    settings = Settings.from_env({"GATEWAY_DATA_DIR": str(tmp_path), **env})

    async def start() -> None:
        await open_mailer(settings, None).close()

    with pytest.raises(SettingsError) as caught:
        run(start())
    assert str(caught.value).startswith(variable + ":")
    assert "hunter2" not in str(caught.value)


def test_mail_settings_parsed_and_the_password_never_printed(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = Settings.from_env(
        {
            "GATEWAY_DATA_DIR": str(tmp_path),
            "GATEWAY_SMTP_URL": "smtps://mailer:hunter2@mail.example",
            "GATEWAY_MAIL_FROM": "Shop Privacy <privacy@shop.example>",
            "GATEWAY_SMTP_CA_FILE": str(ca),
        }
    )
    assert settings.smtp_ca_file == ca
    assert "hunter2" not in repr(settings) + str(settings.describe())
    assert settings.describe()["smtp_url"] == "(set)"


def test_embedded_default_writes_mail_into_the_data_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"GATEWAY_DATA_DIR": str(tmp_path)})
    assert settings.smtp_url is None and settings.mail_from is None
    assert mailbox_dir(settings) == tmp_path / "mail"
    elsewhere = Settings.from_env({"GATEWAY_MAIL_DIR": str(tmp_path / "m")})
    assert mailbox_dir(elsewhere) == tmp_path / "m"
