"""The embedded default: no SMTP server, mail written as .eml files to a folder, listed newest
first; and the mailer in the app's lifespan."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import SinkUnavailable
from gateway.mail.mailbox import list_mailbox, read_mail
from gateway.mail.mailer import mailbox_dir, open_mailer
from gateway.services import open_services
from gateway.settings import Settings
from tests.mail.helpers import RECIPIENT, eventually, mail, mail_settings
from tests.support.aio import run


def test_folder_mode_writes_a_readable_eml(data_dir: Path) -> None:
    settings = mail_settings(data_dir)
    now = [1_700_000_000.0]

    async def scenario() -> list[str]:
        mailer = open_mailer(settings, None, clock=lambda: now[0])
        try:
            ids = []
            for subject in ("First ✉", "Second ✉"):
                ids.append(await mailer.send(mail(subject=subject, html="<p>hello</p>")))
                await eventually(lambda: len(list_mailbox(mailbox_dir(settings))) == len(ids))
                now[0] += 1
            return ids
        finally:
            await mailer.close()

    first_id, second_id = run(scenario())
    files = sorted((data_dir / "mail").glob("*.eml"))
    assert len(files) == 2
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        files[0].read_bytes()
    )
    assert message["Subject"] == "First ✉" and message["To"] == RECIPIENT
    assert message["From"] == "Widget Gateway <gateway@widget-gateway.localhost>"
    assert message["Message-ID"] == first_id
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "123456"  # type: ignore[union-attr]

    listed = list_mailbox(data_dir / "mail")
    assert [e.subject for e in listed] == ["Second ✉", "First ✉"]
    assert [e.message_id for e in listed] == [second_id, first_id]
    assert listed[0].written_at == 1_700_000_001.0 and listed[0].to == RECIPIENT
    opened = read_mail(data_dir / "mail", listed[1].name)
    assert opened is not None and opened["Subject"] == "First ✉"


def test_mailbox_reads_only_its_own_files(data_dir: Path) -> None:
    folder = data_dir / "mail"
    assert list_mailbox(folder) == []  # not created yet
    folder.mkdir()
    (data_dir / "secret_key").write_text("x")
    (folder / "notes.txt").write_text("x")
    assert list_mailbox(folder) == []
    assert read_mail(folder, "../secret_key") is None
    assert read_mail(folder, "notes.txt") is None


def test_services_give_every_feature_a_mailer_and_stop_it(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, mail_dir=data_dir / "outbox-mail")

    async def scenario() -> tuple[str, Any, set[asyncio.Task[Any]]]:
        async with open_services(settings) as services:
            message_id = await services.mailer.send(mail())
            listed = await eventually(services.mailer.mailbox)
        # Shut down: the worker is gone, nothing left running.
        left = asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]
        return message_id, listed, left

    message_id, listed, left = run(scenario())
    assert [e.message_id for e in listed] == [message_id]
    assert len(list((data_dir / "outbox-mail").glob("*.eml"))) == 1
    assert left == set()


def test_folder_mail_is_written_as_it_is_sent_without_the_spool(data_dir: Path) -> None:
    async def scenario() -> tuple[str, list[Any]]:
        mailer = open_mailer(mail_settings(data_dir), None)
        try:
            message_id = await mailer.send(mail())
            # Written before send() returned: nothing waits in the spool for the worker.
            return message_id, list_mailbox(data_dir / "mail")
        finally:
            await mailer.close()

    message_id, listed = run(scenario())
    assert [e.message_id for e in listed] == [message_id]
    assert list((data_dir / "spool" / "mail").rglob("*.json")) == []


def test_mail_the_folder_cannot_take_waits_in_the_spool_and_is_written_later(
    data_dir: Path,
) -> None:
    # Something else sits where the mail folder should be: the spool keeps the message, and
    # the worker writes it once the folder can be made.
    (data_dir / "mail").write_text("not a folder")

    async def scenario() -> tuple[str, list[Any]]:
        mailer = open_mailer(mail_settings(data_dir), None)
        try:
            message_id = await mailer.send(mail())
            assert len(list((data_dir / "spool" / "mail").rglob("*.json"))) == 1
            (data_dir / "mail").unlink()
            listed = await eventually(lambda: list_mailbox(data_dir / "mail"))
            return message_id, listed
        finally:
            await mailer.close()

    message_id, listed = run(scenario())
    assert [e.message_id for e in listed] == [message_id]


def test_enqueue_fails_loudly_when_neither_folder_nor_spool_can_keep_the_message(
    data_dir: Path,
) -> None:
    # Something else sits where the mail folder and the spool should be: nothing is durable.
    (data_dir / "mail").write_text("not a folder")
    (data_dir / "spool").write_text("not a folder")

    async def scenario() -> None:
        mailer = open_mailer(mail_settings(data_dir), None)
        try:
            await mailer.send(mail())
        finally:
            await mailer.close()

    with pytest.raises(SinkUnavailable):
        run(scenario())
