"""``widget-gateway outbox status|dead|replay`` against a real Redis outbox and service."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import outbox as cli_outbox
from gateway.delivery.sinks import build_sinks
from gateway.delivery.workers import DeliveryPolicy, start_workers
from gateway.settings import Settings
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.receiver import JWKS, SECRETS, SIGNER, Receiver, envelope, record, wait_until
from tests.support.servers import ServerThread

POLICY = DeliveryPolicy(timeout=1, backoff=0.05, backoff_max=0.2, poll_interval=0.05)


def outbox(argv: list[str], settings: Settings, capsys: pytest.CaptureFixture[str]) -> str:
    parser = argparse.ArgumentParser(prog="widget-gateway")
    cli_outbox.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["outbox", *argv])
    capsys.readouterr()
    assert run_sync(args.run(args, settings)) == 0
    return capsys.readouterr().out


def test_operator_lists_dead_records_and_replays_them(
    redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    settings = Settings.from_env(
        {
            "GATEWAY_REDIS_URL": redis_url,
            "GATEWAY_SECRET_KEY": SECRETS[0],
            "GATEWAY_CONSENT_SINK": f"http://127.0.0.1:{port}/records",
        }
    )
    service = Receiver(JWKS, tmp_path / "service.db")
    service.mode = "400"

    async def deliver(records: int, condition: object) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        sinks = build_sinks(settings, client)
        handle = start_workers(sinks.values(), SIGNER, POLICY)
        try:
            for n in range(records):
                await sinks["consent"].write(envelope(record(n)))
            await wait_until(condition)
            # The service has the records once the workers have also marked them done.
            status = sinks["consent"].queue.status  # type: ignore[attr-defined]
            await wait_until(lambda: _settled(status))
        finally:
            await handle.stop()
            await client.aclose()

    with ServerThread(service, port=port):
        run_sync(deliver(3, lambda: sum(service.hits.values()) == 3))
        status = json.loads(outbox(["status", "--json"], settings, capsys))
        assert [(s["service"], s["depth"], s["dead"]) for s in status] == [("consent", 0, 3)]

        listing = outbox(["dead"], settings, capsys)
        assert all(f"record rec_{n:05d}" in listing for n in range(3))
        assert "refused: http 400" in listing
        # Ids only: nothing of the record's content is printed.
        assert "shop.example" not in listing

        dead = json.loads(outbox(["dead", "--json"], settings, capsys))
        service.mode = "ok"
        assert outbox(["replay", dead[0]["dead_id"]], settings, capsys).strip() == (
            "replayed 1 record(s)"
        )
        assert "replayed 2 record(s)" in outbox(["replay", "--all"], settings, capsys)
        run_sync(deliver(0, lambda: len(service.stored) == 3))

    status = json.loads(outbox(["status", "--json"], settings, capsys))
    assert [(s["depth"], s["in_flight"], s["dead"]) for s in status] == [(0, 0, 0)]
    assert sorted(service.stored) == [f"rec_{n:05d}" for n in range(3)]


async def _settled(status: Any) -> bool:
    current = await status()
    return bool(current.depth == 0 and current.in_flight == 0)
