"""``widget-gateway outbox status|dead|replay``: what waits for delivery, what died, replaying it.

Works on the queues of the configured HTTP sinks: the Redis outbox when ``GATEWAY_REDIS_URL``
is set, the file spool in the data folder otherwise. Output names records by id only, never by
content, so it is safe to paste into a ticket.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from gateway.clock import system_clock
from gateway.delivery.http import HttpSink
from gateway.delivery.queue import DeliveryQueue
from gateway.delivery.sinks import SERVICES, build_sinks, each_sink
from gateway.settings import Settings


def add_parser(subparsers: Any) -> None:
    """Register ``outbox`` on the ``widget-gateway`` command line."""
    outbox = subparsers.add_parser("outbox", help="deliveries to HTTP sinks: status, dead, replay")
    sub = outbox.add_subparsers(dest="outbox_cmd", required=True)

    status = sub.add_parser("status", help="depth, oldest age, in flight, retrying, dead")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=cmd_status)

    dead = sub.add_parser("dead", help="list dead-lettered records")
    dead.add_argument("--service", choices=SERVICES)
    dead.add_argument("--limit", type=int, default=100)
    dead.add_argument("--json", action="store_true")
    dead.set_defaults(run=cmd_dead)

    replay = sub.add_parser("replay", help="queue dead-lettered records for delivery again")
    replay.add_argument("ids", nargs="*", metavar="ID", help="dead-letter ids (see `outbox dead`)")
    replay.add_argument("--all", action="store_true", help="replay every dead-lettered record")
    replay.add_argument("--service", choices=SERVICES)
    replay.set_defaults(run=cmd_replay)


async def with_queues(
    settings: Settings,
    service: str | None,
    fn: Callable[[dict[str, DeliveryQueue]], Awaitable[int]],
) -> int:
    client = None
    if settings.redis_url is not None:
        from gateway import redis_client

        client = redis_client.connect(settings)
    try:
        sinks = build_sinks(settings, client)
        queues = {
            sink.service: sink.queue
            for sink in each_sink(sinks.values())
            if isinstance(sink, HttpSink) and service in (None, sink.service)
        }
        if not queues:
            print("no HTTP sink configured: records are written directly, nothing is queued")
            return 0
        return await fn(queues)
    finally:
        if client is not None:
            await client.aclose()


def _age(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.0f}s"


async def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    async def run(queues: dict[str, DeliveryQueue]) -> int:
        states = [await q.status() for q in queues.values()]
        if args.json:
            print(json.dumps([asdict(s) for s in states]))
            return 0
        print(
            f"{'service':8} {'queue':13} {'depth':>6} {'oldest':>8} {'in flight':>9} "
            f"{'retrying':>8} {'dead':>6}"
        )
        for s in states:
            print(
                f"{s.service:8} {s.kind:13} {s.depth:>6} {_age(s.oldest_age):>8} "
                f"{s.in_flight:>9} {s.retrying:>8} {s.dead:>6}"
            )
        return 0

    return await with_queues(settings, None, run)


async def cmd_dead(args: argparse.Namespace, settings: Settings) -> int:
    async def run(queues: dict[str, DeliveryQueue]) -> int:
        entries = [e for q in queues.values() for e in await q.dead(args.limit)]
        if args.json:
            print(json.dumps([asdict(e) for e in entries]))
            return 0
        now = system_clock()
        for e in entries:
            print(
                f"{e.service:8} {e.dead_id}  record {e.record_id}  attempts {e.attempts}  "
                f"died {_age(now - e.died_at)} ago  {e.reason}"
            )
        if not entries:
            print("no dead-lettered records")
        return 0

    return await with_queues(settings, args.service, run)


async def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.ids) == bool(args.all):
        print("widget-gateway: give dead-letter ids or --all (not both)")
        return 2

    async def run(queues: dict[str, DeliveryQueue]) -> int:
        count = 0
        for queue in queues.values():
            count += await queue.replay(None if args.all else args.ids)
        print(f"replayed {count} record(s)")
        if args.ids and count < len(args.ids):
            print(f"widget-gateway: {len(args.ids) - count} id(s) not found in dead-letter")
            return 1
        return 0

    return await with_queues(settings, args.service, run)
