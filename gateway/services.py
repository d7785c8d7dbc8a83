"""What one running app holds: settings, clients, stores, limiter, signing, sinks, mailer, metrics.

Built in the app's lifespan by :func:`open_services` and closed in reverse order, so no state
exists at import time and tests can run several apps side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from gateway import __version__, redis_client
from gateway.accounts.runtime import Accounts, open_accounts
from gateway.accounts.sealing import sealer_for
from gateway.agents.desk import PERMISSION_PURPOSE, UPLOAD_PURPOSE, AgentDesk
from gateway.clock import Clock, system_clock, utc
from gateway.consent import receipts
from gateway.consent.config import ConsentConfig
from gateway.consent.impressions import Impressions
from gateway.db import migrate
from gateway.db.engine import create_engine, observe_queries, records_url
from gateway.delivery.assertion import PURPOSE as ASSERTION_PURPOSE
from gateway.delivery.assertion import AssertionSigner
from gateway.delivery.queue import QueueStatus
from gateway.delivery.sinks import DATABASE_SINK, Sink, build_sinks, sink_urls
from gateway.delivery.workers import DeliveryHandle, start_delivery
from gateway.errors import RateLimited
from gateway.keys.audit import AuditLog, open_audit_log
from gateway.keys.cache import KeyCache
from gateway.keys.instrumented import InstrumentedKeyStore
from gateway.keys.redis_store import RedisKeyStore
from gateway.keys.store import FileKeyStore, KeyStore
from gateway.mail.mailer import Mailer, open_mailer
from gateway.mail.message import Mail
from gateway.oauth.console_signin import ConsoleSignIn
from gateway.oauth.parts import OAuth, open_oauth
from gateway.portal.codes import LINK_PURPOSE, address_id
from gateway.portal.space import LINK_PURPOSE as SPACE_PURPOSE
from gateway.portal.space import Space
from gateway.portal.verifier import Verifier
from gateway.ratelimit.limiter import Limiter, LimitRequest
from gateway.records.events import announce_due_soon
from gateway.records.jobs import RecordsJobs
from gateway.records.notices import OwnerNotice, OwnerNotices
from gateway.records.sink import DatabaseSink
from gateway.records.store import RecordStore
from gateway.rights.duplicates import Duplicates
from gateway.rights.nonces import UsedNonces
from gateway.settings import Settings
from gateway.signing import Signing
from gateway.web.location import Locator
from gateway.web.metrics import FLUSH_SECONDS, Metrics
from gateway.web.tracing import Tracing
from gateway.webhooks.runtime import Webhooks, open_webhooks

log = logging.getLogger("gateway")


@dataclass
class Services:
    """Every long-lived part of one running app, typed; rooms with routes read what they need."""

    settings: Settings
    store: KeyStore
    keys: KeyCache
    limiter: Limiter
    signing: Signing
    sinks: dict[str, Sink]
    metrics: Metrics
    audit: AuditLog
    duplicates: Duplicates
    nonces: UsedNonces
    oauth: OAuth
    # Signs what the gateway tells its services (deliveries, forwarded API calls).
    assertions: AssertionSigner
    # Outgoing e-mail: ``await services.mailer.send(mail)``.
    mailer: Mailer
    # Account owners: people, sessions, sign-in throttle (see gateway.accounts).
    accounts: Accounts
    redis: aioredis.Redis | None = None
    # The records store, where there is one (GATEWAY_DATABASE_URL, or the embedded default).
    records: RecordStore | None = None
    # Webhook endpoints and their worker; beside the records store, in its database.
    webhooks: Webhooks | None = None
    delivery: DeliveryHandle | None = None
    # The records store's periodic jobs (retention purge, due-soon e-mails), where there is one.
    records_jobs: RecordsJobs | None = None
    # Confirms requesters' addresses, where rights requests go into the records store.
    verifier: Verifier | None = None
    # The requester's space (its link, code, session, e-mails), beside the verifier.
    space: Space | None = None
    # Requests filed by authorised agents: their documents and the data subjects' answers.
    agents: AgentDesk | None = None
    # The one clock (see gateway.clock); tests replace it to move in time.
    clock: Clock = system_clock
    # Parsed and rendered consent configs, per key version (bounded by the consent API).
    consent_configs: dict[tuple[str, float], ConsentConfig] = field(default_factory=dict)
    # (public key, version, raw ``lang``, geo variant id) -> the consent API's RenderedConfig.
    consent_rendered: dict[tuple[str, float, str | None, str], Any] = field(default_factory=dict)
    # One copy of each distinct parsed config and rendered answer, however many keys share it
    # (most keys keep the default config): content -> the object both caches above point to.
    consent_shared: dict[Any, Any] = field(default_factory=dict)
    tracing: Tracing = field(default_factory=Tracing)
    # Where visitors are, for the consent banner's geo rules (headers of trusted proxies, or a
    # MaxMind-format database); never stored.
    locator: Locator = field(default_factory=lambda: Locator(()))
    version: str = __version__
    # Banners shown to visitors without a choice, added to the records store's daily rollups.
    impressions: Impressions = field(default_factory=lambda: Impressions(None, system_clock))

    async def delivery_statuses(self) -> list[QueueStatus]:
        """The delivery queues' figures (HTTP sinks only), for ``/metrics``; a queue that
        cannot be read right now is left out (its Redis error is counted)."""
        out: list[QueueStatus] = []
        for sink in self.sinks.values():
            queue = getattr(sink, "queue", None)
            if queue is None:
                continue
            started = time.perf_counter()
            try:
                out.append(await queue.status())
            except Exception:
                ok = False
            else:
                ok = True
            if self.redis is not None:
                self.metrics.redis_command("outbox_status", time.perf_counter() - started, ok)
        return out


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, tracing: Tracing | None = None
) -> AsyncIterator[Services]:
    async with contextlib.AsyncExitStack() as stack:
        client: aioredis.Redis | None = None
        listener: aioredis.Redis | None = None
        store: KeyStore
        if settings.redis_url is not None:
            client = redis_client.connect(settings)
            stack.push_async_callback(client.aclose)
            await redis_client.discover(client)
            listener = redis_client.connect(settings, blocking=True)
            stack.push_async_callback(listener.aclose)
            store = RedisKeyStore(client)
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            store = FileKeyStore(settings.data_dir)
        stack.push_async_callback(store.close)
        metrics = Metrics(__version__)
        # Last of all at shutdown: what was counted reaches the series (a worker's file).
        stack.callback(metrics.tally.flush)
        if metrics.shared:  # other workers' scrapes read this one's file: a second behind
            flusher = asyncio.create_task(metrics.tally.flush_every(FLUSH_SECONDS))
            stack.push_async_callback(_cancel, flusher)
        tracing = tracing or Tracing()
        store = InstrumentedKeyStore(store, metrics, tracing, redis=client is not None)
        keys = KeyCache(store, ttl=settings.key_cache_ttl)
        stack.push_async_callback(keys.close)
        if listener is not None:
            keys.start_listening(listener)
        limiter = Limiter(settings, str(settings.redis_url) if settings.redis_url else None)
        stack.push_async_callback(limiter.close)
        secrets = tuple(settings.signing_secrets())  # read once: a file on the embedded default
        signing = Signing(list(secrets))
        records = await open_records(settings, stack)
        if records is not None:
            observe_queries(records.engine, metrics.database_query)
        locator = Locator(
            settings.trusted_proxies,
            settings.geo_country_header,
            settings.geo_region_header,
            settings.geo_database,
        )
        stack.callback(locator.close)
        sinks = build_sinks(settings, client, database_sinks(records, signing))
        for sink in sinks.values():
            stack.push_async_callback(sink.close)
        # Its worker stops before the Redis client it uses is closed.
        mailer = open_mailer(settings, client)
        stack.push_async_callback(mailer.close)
        engine = records.engine if records is not None else None
        accounts = await stack.enter_async_context(open_accounts(settings, client, limiter, engine))
        # The OAuth2 side reads time through the services, so tests that move it move it there too.
        oauth = open_oauth(settings, client, clock=lambda: services.clock())
        oauth.sign_in = ConsoleSignIn(accounts, clock=lambda: services.clock())
        stack.push_async_callback(oauth.close)
        webhooks = open_records_webhooks(settings, records, lambda: services.clock())
        if webhooks is not None:
            webhooks.dispatcher.on_attempt = metrics.webhook_attempt
            stack.push_async_callback(webhooks.close)
        legacy = signing.serializer(ASSERTION_PURPOSE) if settings.assertion_legacy_hmac else None
        assertions = AssertionSigner(
            oauth.assertion_keys.signing_key, legacy, clock=lambda: services.clock()
        )
        services = Services(
            settings=settings,
            store=store,
            keys=keys,
            limiter=limiter,
            signing=signing,
            sinks=sinks,
            metrics=metrics,
            audit=open_audit_log(settings, client),
            duplicates=Duplicates(client, settings.rights_duplicate_window),
            # Form-token nonces: in Redis, or in the data folder shared by worker processes.
            nonces=UsedNonces(client, None if client else settings.data_dir / "form-tokens"),
            oauth=oauth,
            assertions=assertions,
            mailer=mailer,
            accounts=accounts,
            redis=client,
            records=records,
            webhooks=webhooks,
            tracing=tracing,
            locator=locator,
        )
        services.impressions = Impressions(
            records.add_shown if records is not None else None, lambda: services.clock()
        )
        stack.push_async_callback(services.impressions.close)
        if records is not None:
            await start_records_jobs(services, records, stack)
        # Workers for HTTP sinks; stopped before the sinks and Redis they use are closed.
        services.delivery = start_delivery(sinks, assertions, settings, metrics)
        stack.push_async_callback(services.delivery.stop)
        yield services


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def open_records(settings: Settings, stack: contextlib.AsyncExitStack) -> RecordStore | None:
    """The records store, its database migrated to the newest schema; None without one."""
    url = records_url(settings)
    if url is None:
        return None
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    await migrate.ensure_newest(url)
    engine = create_engine(url)
    stack.push_async_callback(engine.dispose)
    store = RecordStore(engine)
    # Documents of rights requests are sealed with the two-factor secrets' keys.
    store.sealer = sealer_for(settings)
    return store


def open_records_webhooks(
    settings: Settings, records: RecordStore | None, clock: Clock
) -> Webhooks | None:
    """The webhooks beside the records store, its worker started; None without a store."""
    if records is None:
        return None
    webhooks = open_webhooks(settings, records.engine, clock=clock)
    records.on_queued = webhooks.queued
    return webhooks


async def start_records_jobs(
    services: Services, records: RecordStore, stack: contextlib.AsyncExitStack
) -> None:
    """The owners' e-mails about rights requests, the requesters' codes (where requests are
    stored here), and the periodic purge, due-soon checks (the owners' notices and the webhooks'
    ``rights_request.overdue_soon``), reminders and expiry of unconfirmed requests."""
    console = f"{services.settings.public_url.rstrip('/')}/console/"

    async def send(notice: OwnerNotice) -> None:
        members = await services.accounts.store.members(notice.request.account)
        for owner in (m for m in members if m.role == "owner"):
            mail = Mail(to=owner.email, subject=notice.subject(), text=notice.text(console))
            await services.mailer.send(mail)

    notices = OwnerNotices(records, send)
    records.on_new_rights = notices.arrived
    settings = services.settings
    if DATABASE_SINK in sink_urls(settings, "rights"):
        space = services.space = Space(
            records,
            services.mailer.send,
            services.signing.secrets[0],
            services.signing.serializer(SPACE_PURPOSE),
            settings,
            settings.public_url,
            clock=lambda: utc(services.clock()),
        )
        records.on_requester_news = space.news

        async def verified(references: list[str]) -> None:
            # Each e-mail on its own: a failed owners' notice does not hold back the
            # requester's confirmation (the owners' one is caught up by the jobs).
            try:
                await notices.arrived(references)
            finally:
                await space.confirmed(references)

        services.agents = open_agent_desk(services, records, verified)
        services.verifier = Verifier(
            records,
            services.mailer.send,
            services.signing.secrets[0],
            services.signing.serializer(LINK_PURPOSE),
            settings,
            settings.public_url,
            clock=lambda: utc(services.clock()),
            on_verified=verified,
            on_agent_confirmed=services.agents.ask_subject,
        )
    verifier, desk = services.verifier, services.agents

    async def requesters() -> int:
        if verifier is None or desk is None:
            return 0
        done = await verifier.run_round()
        ended = await services.space.sweep() if services.space is not None else 0
        return done.reminded + done.expired + ended + await desk.run_round()

    days = settings.webhook_overdue_soon_days
    jobs = RecordsJobs(
        records,
        settings.records_jobs_interval,
        notices.catch_up,
        announce_due_soon=lambda: announce_due_soon(records, days),
        requesters=requesters,
    )
    jobs.start()
    stack.push_async_callback(jobs.stop)
    services.records_jobs = jobs


def open_agent_desk(
    services: Services, records: RecordStore, on_verified: Callable[[list[str]], Awaitable[object]]
) -> AgentDesk:
    """The agents' desk: documents sealed with the accounts' keys, the data subjects mailed
    within the per-address limit on codes."""
    settings = services.settings

    async def may_mail(public_key: str, email: str) -> bool:
        key = await services.store.get(public_key)
        limit = settings.limit_verify_per_email
        if key is not None:
            limit = key.limit("verify_per_email", limit)
        who = address_id(services.signing.secrets[0], email)
        try:
            await services.limiter.enforce([LimitRequest("verify_email", limit, (public_key, who))])
        except RateLimited:
            return False
        return True

    return AgentDesk(
        records,
        services.mailer.send,
        services.accounts.store.sealer,  # the two-factor secrets' keys, rotation included
        services.signing.serializer(UPLOAD_PURPOSE),
        services.signing.serializer(PERMISSION_PURPOSE),
        settings,
        settings.public_url,
        clock=lambda: utc(services.clock()),
        may_mail=may_mail,
        on_verified=on_verified,
    )


def database_sinks(records: RecordStore | None, signing: Signing) -> Callable[[str], Sink] | None:
    """What makes each service's ``database`` sink, consent records kept with a receipt."""
    if records is None:
        return None
    store = records

    def make(service: str) -> Sink:
        return DatabaseSink(service, store, receipt=lambda record: receipts.issue(signing, record))

    return make
