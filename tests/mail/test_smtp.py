"""Sending through a real SMTP server on loopback (aiosmtpd), on asyncio and on uvloop."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from gateway.mail.mailer import mail_policy, mail_queue, open_mailer
from gateway.mail.queue import MailQueue, MailWorker
from gateway.mail.server import SmtpServer as SmtpTarget
from gateway.mail.server import TlsMode
from gateway.mail.transport import SmtpTransport
from tests.mail.conftest import Run
from tests.mail.helpers import RECIPIENT, SENDER, eventually, mail, mail_settings
from tests.support.smtp import Certificates, Credentials, Recorder, SmtpServer


def test_message_arrives_with_its_headers_and_both_bodies(
    run: Run[Any], smtp: SmtpServer, data_dir: Path
) -> None:
    async def scenario() -> str:
        mailer = open_mailer(mail_settings(data_dir, smtp.url()), None)
        try:
            message_id = await mailer.send(
                mail(
                    subject="Ihr Bestätigungscode: 123 456 ✓",
                    text="Grüße!\nIhr Code: 123456",
                    html="<p>Grüße! Ihr Code: <b>123456</b></p>",
                    language="de",
                    headers=(("List-Unsubscribe", "<https://gateway.test/unsubscribe>"),),
                )
            )
            await eventually(lambda: smtp.handler.received)
        finally:
            await mailer.close()
        return message_id

    message_id = run(scenario())
    [received] = smtp.handler.received
    assert received.mail_from == SENDER and received.rcpt_tos == (RECIPIENT,)
    message = received.message()
    assert message["Subject"] == "Ihr Bestätigungscode: 123 456 ✓"
    assert message["From"] == f"Widget Gateway <{SENDER}>"
    assert message["To"] == RECIPIENT
    assert message["Message-ID"] == message_id and message_id.endswith("@gateway.test>")
    assert message["Content-Language"] == "de"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == "<https://gateway.test/unsubscribe>"
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content().splitlines() == ["Grüße!", "Ihr Code: 123456"]
    assert html.get_content_type() == "text/html"
    assert "<b>123456</b>" in html.get_content()
    assert not received.tls  # a loopback server without STARTTLS: plain is allowed there


def test_starttls_upgrade_and_login(
    run: Run[Any], certificates: Certificates, data_dir: Path
) -> None:
    server = SmtpServer(
        starttls=certificates.server_context(), auth=Credentials("mailer", "p@ss:word")
    )
    server.start()
    settings = mail_settings(
        data_dir,
        server.url(userinfo="mailer:p%40ss%3Aword"),
        smtp_ca_file=certificates.ca_file,
    )

    async def scenario() -> None:
        mailer = open_mailer(settings, None)
        try:
            await mailer.send(mail())
            await eventually(lambda: server.handler.received)
        finally:
            await mailer.close()

    try:
        run(scenario())
    finally:
        server.stop()
    [received] = server.handler.received
    assert received.tls, "the message came before STARTTLS"
    assert received.login == "mailer"
    assert received.message()["Subject"] == "Your code"


def test_implicit_tls(run: Run[Any], certificates: Certificates, data_dir: Path) -> None:
    server = SmtpServer(implicit_tls=certificates.server_context())
    server.start()
    settings = mail_settings(data_dir, server.url("smtps"), smtp_ca_file=certificates.ca_file)

    async def scenario() -> None:
        mailer = open_mailer(settings, None)
        try:
            await mailer.send(mail())
            await eventually(lambda: server.handler.received)
        finally:
            await mailer.close()

    try:
        run(scenario())
    finally:
        server.stop()
    assert server.handler.received[0].tls


def test_a_certificate_the_gateway_does_not_trust_gets_nothing(
    run: Run[Any], certificates: Certificates, data_dir: Path
) -> None:
    server = SmtpServer(starttls=certificates.server_context())
    server.start()
    # No GATEWAY_SMTP_CA_FILE: the system's authorities do not know the test CA.
    settings = mail_settings(data_dir, server.url())

    async def scenario() -> Any:
        mailer = open_mailer(settings, None)
        try:
            await mailer.send(mail())
            return await eventually(_retrying(mailer.queue))
        finally:
            await mailer.close()

    try:
        status = run(scenario())
    finally:
        server.stop()
    assert server.handler.mail_commands == 0 and not server.handler.received
    assert status.depth == 1 and status.dead == 0


def test_required_starttls_is_never_skipped(
    run: Run[Any], smtp: SmtpServer, data_dir: Path
) -> None:
    # What smtp://host:587 and any non-loopback smtp:// host get, against a server without
    # STARTTLS: the message waits, nothing crosses in plain text.
    settings = mail_settings(data_dir)
    target = SmtpTarget("127.0.0.1", smtp.port, TlsMode.STARTTLS)

    async def scenario() -> Any:
        queue = MailQueue(mail_queue(settings, None))
        worker = MailWorker(
            queue, SmtpTransport(target, timeout=5.0), ("", SENDER), mail_policy(settings)
        )
        worker.start()
        try:
            await queue.enqueue(mail(message_id="<m1@gateway.test>"))
            return await eventually(_retrying(queue))
        finally:
            await worker.stop()

    status = run(scenario())
    assert smtp.handler.mail_commands == 0 and not smtp.handler.received
    assert status.depth == 1 and status.dead == 0


def test_temporary_failure_is_retried_and_delivered_once(
    run: Run[Any], data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.mail")
    server = SmtpServer(Recorder(data_replies=["451 4.3.0 <ada.lovelace@example.org> later"]))
    server.start()

    async def scenario() -> tuple[str, Any]:
        mailer = open_mailer(mail_settings(data_dir, server.url()), None)
        try:
            message_id = await mailer.send(mail())
            await eventually(lambda: server.handler.received)
            return message_id, await eventually(_empty(mailer.queue))
        finally:
            await mailer.close()

    try:
        message_id, status = run(scenario())
    finally:
        server.stop()
    assert server.handler.data_commands == 2
    assert len(server.handler.received) == 1
    assert status.dead == 0
    logged = caplog.text
    assert f"{message_id}: smtp 451 4.3.0, retry in" in logged
    assert f"{message_id} sent" in logged
    _assert_no_address(caplog)


def test_permanent_refusal_goes_to_dead_letters(
    run: Run[Any], data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.mail")
    server = SmtpServer(Recorder(rcpt_replies=["550 5.1.1 <ada.lovelace@example.org> unknown"]))
    server.start()

    async def scenario() -> tuple[str, Any]:
        mailer = open_mailer(mail_settings(data_dir, server.url()), None)
        try:
            message_id = await mailer.send(mail())
            await eventually(_dead(mailer.queue))
            return message_id, await mailer.queue.queue.dead(10)
        finally:
            await mailer.close()

    try:
        message_id, dead = run(scenario())
    finally:
        server.stop()
    assert not server.handler.received
    [entry] = dead
    assert entry.record_id == message_id
    assert entry.reason == "refused: smtp 550 5.1.1"
    assert f"{message_id} dead-lettered: refused: smtp 550 5.1.1" in caplog.text
    _assert_no_address(caplog)


def test_server_down_when_queued_then_up(run: Run[Any], data_dir: Path) -> None:
    server = SmtpServer()  # not started: the port refuses connections

    async def scenario() -> None:
        mailer = open_mailer(mail_settings(data_dir, server.url()), None)
        try:
            await mailer.send(mail())
            await eventually(_retrying(mailer.queue))
            server.start()
            await eventually(lambda: server.handler.received)
        finally:
            await mailer.close()

    try:
        run(scenario())
    finally:
        server.stop()
    assert len(server.handler.received) == 1


def test_connection_reused_for_a_batch(run: Run[Any], smtp: SmtpServer, data_dir: Path) -> None:
    settings = mail_settings(data_dir, smtp.url())

    async def scenario() -> None:
        queue = MailQueue(mail_queue(settings, None))
        for n in range(5):
            await queue.enqueue(mail(message_id=f"<m{n}@gateway.test>"))
        # The worker starts after all five are queued, so it takes them as one batch.
        worker = MailWorker(
            queue,
            SmtpTransport(
                SmtpTarget("127.0.0.1", smtp.port, TlsMode.STARTTLS_IF_OFFERED), timeout=5.0
            ),
            ("", SENDER),
            mail_policy(settings),
        )
        worker.start()
        try:
            await eventually(lambda: len(smtp.handler.received) == 5)
        finally:
            await worker.stop()

    run(scenario())
    assert smtp.handler.ehlo_commands == 1


def _retrying(queue: MailQueue) -> Any:
    async def check() -> Any:
        status = await queue.queue.status()
        return status if status.retrying else None

    return check


def _empty(queue: MailQueue) -> Any:
    async def check() -> Any:
        status = await queue.queue.status()
        return status if status.depth == 0 else None

    return check


def _dead(queue: MailQueue) -> Any:
    async def check() -> Any:
        return (await queue.queue.status()).dead

    return check


def _assert_no_address(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "nothing was logged"
    for record in caplog.records:
        text = record.getMessage()
        assert "ada.lovelace" not in text and "example.org" not in text, text
