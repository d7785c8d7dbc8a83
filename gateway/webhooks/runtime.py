"""The webhooks of one running app: the store, the URL policy, and this instance's worker.

:func:`open_webhooks` builds them from the settings on the records store's engine (webhooks
live in the same database: the records store queues its events in its own transactions);
:meth:`Webhooks.close` stops the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.clock import Clock, system_clock
from gateway.settings import Settings
from gateway.webhooks import outbox
from gateway.webhooks.dispatcher import Dispatcher, RetryPolicy
from gateway.webhooks.model import KEY_EXPOSED, Event
from gateway.webhooks.store import WebhookStore
from gateway.webhooks.urls import UrlPolicy

log = logging.getLogger("gateway.webhooks")


class Webhooks:
    def __init__(self, store: WebhookStore, dispatcher: Dispatcher, settings: Settings) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.urls = dispatcher.urls
        self.secret_grace = settings.webhook_secret_grace

    async def emit(self, events: Sequence[Event]) -> None:
        """Queue events of changes made outside the records store (best effort: logged, never
        raised, since the change itself has happened)."""
        try:
            made = await self.store.emit(events)
        except Exception as exc:
            log.warning("webhook events not queued: %s", type(exc).__name__)
            return
        if made:
            self.dispatcher.wake()

    async def key_exposed(
        self, account: str, public_key: str, where: str, at: float, *, revoked: bool
    ) -> None:
        """Announce ``key.exposed``: the private key of ``public_key`` was seen in a ``where``."""
        data = {
            "public_key": public_key,
            "where": where,
            "exposed_at": outbox.when(datetime.fromtimestamp(at, UTC)),
            "revoked": revoked,
        }
        moment = datetime.fromtimestamp(at, UTC)
        await self.emit([Event(KEY_EXPOSED, account, data, moment)])

    def queued(self) -> None:
        """Told by the records store that it queued deliveries: send them now."""
        self.dispatcher.wake()

    async def close(self) -> None:
        await self.dispatcher.stop()


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        timeout=settings.webhook_timeout,
        max_attempts=settings.webhook_max_attempts,
        backoff=settings.webhook_backoff,
        backoff_max=settings.webhook_backoff_max,
        poll_interval=settings.webhook_poll_interval,
    )


def url_policy(settings: Settings) -> UrlPolicy:
    return UrlPolicy(settings.webhook_allow_loopback, settings.webhook_networks)


def open_webhooks(
    settings: Settings,
    engine: AsyncEngine,
    *,
    clock: Clock = system_clock,
) -> Webhooks:
    """The webhooks for ``settings``, their worker started (call within a running loop)."""
    now: Callable[[], datetime] = lambda: datetime.fromtimestamp(clock(), UTC)  # noqa: E731
    store = WebhookStore(engine, now)
    dispatcher = Dispatcher(store, retry_policy(settings), url_policy(settings))
    dispatcher.start()
    return Webhooks(store, dispatcher, settings)
