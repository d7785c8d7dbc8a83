"""The mailer one running app holds: ``await mailer.send(mail)`` for every feature that mails.

:func:`open_mailer` picks the parts from the settings: the queue (Redis outbox with Redis, the
spool folder without) and the transport (SMTP when ``GATEWAY_SMTP_URL`` is set, the mail folder
otherwise), and starts the worker; :meth:`Mailer.close` stops it. Mail for the folder is written
there as it is sent, without the queue, unless the folder cannot be written: then the queue
keeps it and the worker retries.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from email.utils import make_msgid
from pathlib import Path

from redis.asyncio import Redis

from gateway.clock import Clock, system_clock
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.queue import DeliveryQueue
from gateway.delivery.spool import FileSpool
from gateway.delivery.workers import DeliveryPolicy, Outcome
from gateway.errors import InvalidPayload
from gateway.mail.address import sender as parse_sender
from gateway.mail.mailbox import MailboxEntry, list_mailbox
from gateway.mail.message import Mail
from gateway.mail.queue import SERVICE, MailQueue, MailWorker, hand_over
from gateway.mail.server import parse_smtp_url
from gateway.mail.transport import FolderTransport, SmtpTransport, Transport
from gateway.settings import Settings, SettingsError

log = logging.getLogger("gateway.mail")

# The sender on the embedded default, when GATEWAY_MAIL_FROM is unset (.localhost: RFC 6761).
DEFAULT_SENDER = "Widget Gateway <gateway@widget-gateway.localhost>"
# Messages one SMTP connection carries before the worker looks at the queue again.
BATCH = 20


class Mailer:
    """Queues messages for sending; the worker of this process sends them."""

    def __init__(
        self,
        queue: MailQueue,
        worker: MailWorker,
        sender: tuple[str, str],
        mailbox_dir: Path | None = None,
        *,
        direct: FolderTransport | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.queue = queue
        self.worker = worker
        self.sender = sender
        # The folder mail is written to when there is no SMTP server, else None.
        self.mailbox_dir = mailbox_dir
        # That folder's transport: writing a message there durably is its delivery, so it
        # needs no queue first; the queue keeps only what the folder could not take.
        self.direct = direct
        self.clock = clock

    async def send(self, mail: Mail) -> str:
        """Queue ``mail`` durably and return its Message-ID (one is made when it has none).
        Returns before the message is sent (once it is written, when mail goes to the folder);
        raises :class:`~gateway.errors.SinkUnavailable` when it cannot be kept."""
        if not mail.message_id:
            mail = replace(mail, message_id=make_msgid(domain=self.sender[1].rpartition("@")[2]))
        if self.direct is not None:
            result = await hand_over(self.direct, mail, self.sender, self.clock())
            if result.outcome is Outcome.DELIVERED:
                log.info("mail %s sent via %s", mail.message_id, self.direct.label)
                return mail.message_id
            # The folder is not writable now: the queue keeps it and the worker retries.
        return await self.queue.enqueue(mail)

    async def mailbox(self, limit: int = 50) -> list[MailboxEntry]:
        """The folder mailbox, newest first; empty when mail goes out by SMTP."""
        if self.mailbox_dir is None:
            return []
        return await asyncio.to_thread(list_mailbox, self.mailbox_dir, limit)

    async def close(self) -> None:
        await self.worker.stop()


def mail_policy(settings: Settings) -> DeliveryPolicy:
    """Retries on the delivery schedule (``GATEWAY_DELIVERY_BACKOFF``…), the age limit of mail."""
    return DeliveryPolicy(
        timeout=settings.mail_timeout,
        max_age=settings.mail_max_age,
        backoff=settings.delivery_backoff,
        backoff_max=settings.delivery_backoff_max,
        poll_interval=min(0.5, settings.delivery_backoff),
        concurrency=BATCH,
    )


def mailbox_dir(settings: Settings) -> Path:
    """Where mail is written when there is no SMTP server."""
    return settings.mail_dir or settings.data_dir / "mail"


def mail_queue(
    settings: Settings, redis: Redis | None, clock: Clock = system_clock
) -> DeliveryQueue:
    if redis is not None:
        return RedisOutbox(redis, SERVICE, claim_idle=settings.delivery_claim_idle, clock=clock)
    return FileSpool(settings.data_dir / "spool" / SERVICE, SERVICE, clock=clock)


def open_mailer(settings: Settings, redis: Redis | None, *, clock: Clock = system_clock) -> Mailer:
    """The mailer for ``settings``, its worker started (call within a running loop)."""
    # Settings checked the scheme; the URL's parts and the address rule are checked here, at
    # start, with the same kind of error.
    try:
        sender = parse_sender(settings.mail_from or DEFAULT_SENDER)
    except InvalidPayload as exc:
        raise SettingsError("MAIL_FROM", exc.detail) from None
    transport: Transport
    folder = direct = None
    if settings.smtp_url is not None:
        try:
            server = parse_smtp_url(str(settings.smtp_url))
        except ValueError as exc:
            raise SettingsError("SMTP_URL", str(exc)) from None
        transport = SmtpTransport(
            server, timeout=settings.mail_timeout, ca_file=settings.smtp_ca_file
        )
    else:
        folder = mailbox_dir(settings)
        transport = direct = FolderTransport(folder, clock=clock)
    queue = MailQueue(mail_queue(settings, redis, clock), clock)
    worker = MailWorker(queue, transport, sender, mail_policy(settings), clock=clock)
    worker.start()
    return Mailer(queue, worker, sender, folder, direct=direct, clock=clock)
