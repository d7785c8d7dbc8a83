"""Nothing queued is lost: across a worker restart, on the spool and on the Redis stream; and a
message still failing past the maximum age is given up (time injected, not waited for)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.queue import DeliveryQueue
from gateway.delivery.spool import FileSpool
from gateway.mail.mailer import mail_policy, mail_queue, open_mailer
from gateway.mail.queue import MailQueue, MailWorker
from gateway.mail.server import parse_smtp_url
from gateway.mail.transport import SmtpTransport
from gateway.settings import Settings
from tests.mail.conftest import Run
from tests.mail.helpers import SENDER, eventually, mail, mail_settings
from tests.support.smtp import Recorder, SmtpServer


def _worker(queue: DeliveryQueue, settings: Settings, consumer: str, **kw: Any) -> MailWorker:
    transport = SmtpTransport(parse_smtp_url(str(settings.smtp_url)), timeout=5.0)
    return MailWorker(
        MailQueue(queue), transport, ("", SENDER), mail_policy(settings), consumer=consumer, **kw
    )


def test_spool_queued_message_survives_the_process(
    run: Run[Any], smtp: SmtpServer, data_dir: Path
) -> None:
    settings = mail_settings(data_dir, smtp.url())

    async def before_restart() -> None:
        # Queued and the process gone before any worker looked at it.
        await MailQueue(mail_queue(settings, None)).enqueue(mail(message_id="<a@gateway.test>"))

    async def after_restart() -> None:
        mailer = open_mailer(settings, None)
        try:
            await eventually(lambda: smtp.handler.received)
        finally:
            await mailer.close()

    run(before_restart())
    assert not smtp.handler.received
    run(after_restart())
    [received] = smtp.handler.received
    assert received.message()["Message-ID"] == "<a@gateway.test>"


def test_spool_message_taken_by_a_stopped_worker_is_sent_by_the_next(
    run: Run[Any], smtp: SmtpServer, data_dir: Path
) -> None:
    settings = mail_settings(data_dir, smtp.url())
    folder = data_dir / "spool" / "mail"

    async def scenario() -> None:
        first = _worker(FileSpool(folder, "mail"), settings, "first")
        await first.queue.enqueue(mail(message_id="<b@gateway.test>"))
        [held] = await first.store.take("first", 10)  # taken, then the worker stops before sending
        second = _worker(FileSpool(folder, "mail"), settings, "second")
        second.start()
        try:
            # While the first holds it, the second leaves it alone...
            assert await second.store.take("second", 10) == []
            await first.stop()
            # ...and once the first has stopped, the second sends it.
            await eventually(lambda: smtp.handler.received)
        finally:
            await second.stop()
        assert held.record_id == "<b@gateway.test>"

    run(scenario())
    assert len(smtp.handler.received) == 1


def test_redis_stream_message_survives_a_worker_that_stopped_mid_way(
    run: Run[Any], smtp: SmtpServer, data_dir: Path, redis_url: str
) -> None:
    settings = mail_settings(data_dir, smtp.url(), redis_url=None)

    async def scenario() -> None:
        client = aioredis.from_url(redis_url)
        try:
            first = RedisOutbox(client, "mail", claim_idle=60.0)
            await first.ensure_group()
            await MailQueue(first).enqueue(mail(message_id="<c@gateway.test>"))
            await MailQueue(first).enqueue(mail(message_id="<d@gateway.test>"))
            # The first instance takes one and dies before sending it; the other stays queued.
            [held] = await first.take("first", 1)
            # A new queue instance; claim_idle=0 stands for "the first has been silent long enough".
            second = _worker(RedisOutbox(client, "mail", claim_idle=0.0), settings, "second")
            second.start()
            try:
                await eventually(lambda: len(smtp.handler.received) == 2)
            finally:
                await second.stop()
            status = await first.status()
            assert (status.depth, status.in_flight, status.dead) == (0, 0, 0)
            assert held.record_id == "<c@gateway.test>"
        finally:
            await client.aclose()

    run(scenario())
    ids = sorted(r.message()["Message-ID"] for r in smtp.handler.received)
    assert ids == ["<c@gateway.test>", "<d@gateway.test>"]


def test_redis_mode_retries_and_dead_letters(run: Run[Any], data_dir: Path, redis_url: str) -> None:
    server = SmtpServer(
        Recorder(
            rcpt_replies=["250 OK", "250 OK", "550 5.7.1 refused"],
            data_replies=["451 4.3.0 later"],
        )
    )
    server.start()
    settings = mail_settings(data_dir, server.url())

    async def scenario() -> Any:
        client = aioredis.from_url(redis_url)
        mailer = open_mailer(settings, client)
        try:
            await mailer.send(mail(message_id="<e@gateway.test>"))
            await eventually(lambda: server.handler.received)
            await mailer.send(mail(message_id="<f@gateway.test>"))
            return await eventually(lambda: mailer.queue.queue.dead(10))
        finally:
            await mailer.close()
            await client.aclose()

    try:
        dead = run(scenario())
    finally:
        server.stop()
    # <e> met 451 once, then was delivered once; <f> was refused for good.
    assert [r.message()["Message-ID"] for r in server.handler.received] == ["<e@gateway.test>"]
    assert server.handler.data_commands == 2
    [entry] = dead
    assert (entry.record_id, entry.reason) == ("<f@gateway.test>", "refused: smtp 550 5.7.1")


def test_still_failing_past_the_maximum_age_is_dead_lettered(run: Run[Any], data_dir: Path) -> None:
    server = SmtpServer(Recorder(data_replies=["451 4.3.0 later"] * 100))
    server.start()
    settings = mail_settings(data_dir, server.url(), mail_max_age=3600.0)
    now = [1_000_000.0]

    async def scenario() -> Any:
        spool = FileSpool(data_dir / "spool" / "mail", "mail", clock=lambda: now[0])
        worker = _worker(spool, settings, "w", clock=lambda: now[0])
        await worker.queue.enqueue(mail(message_id="<g@gateway.test>"))
        # An hour and a second later, the first attempt fails once more: time to give up.
        now[0] += 3601.0
        worker.start()
        try:
            return await eventually(lambda: spool.dead(10))
        finally:
            await worker.stop()

    try:
        [entry] = run(scenario())
    finally:
        server.stop()
    assert entry.reason == "older than 3600s, last: smtp 451 4.3.0"
    assert server.handler.data_commands == 1 and not server.handler.received
