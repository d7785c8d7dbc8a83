"""One attempt against a real receiver: the address is checked on every attempt, the request
goes to the address checked with the host name kept, and the answer's body is never read."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from gateway.webhooks import sender, signature
from gateway.webhooks.model import Claimed, Endpoint
from gateway.webhooks.urls import UrlPolicy
from tests.support.aio import run
from tests.support.servers import ServerThread
from tests.support.webhook_receiver import WebhookReceiver

NOW = datetime.now(UTC)


def claimed(url: str, secret: str) -> Claimed:
    endpoint = Endpoint(
        id="ep_1",
        account="acct-1",
        url=url,
        description="",
        events=("key.exposed",),
        enabled=True,
        created_at=NOW,
        updated_at=NOW,
        secret=secret,
    )
    body = '{"type":"key.exposed","timestamp":"2026-12-02T09:00:00.000Z","data":{}}'
    return Claimed("dlv_1", "lease", 0, "msg_1", body, endpoint)


async def attempt(item: Claimed, policy: UrlPolicy) -> sender.Result:
    async with httpx.AsyncClient(timeout=5, follow_redirects=False) as client:
        return await sender.attempt(client, item, policy, datetime.now(UTC))


def test_a_host_name_is_resolved_checked_and_kept_for_the_host_header() -> None:
    secret = signature.new_secret()
    receiver = WebhookReceiver([secret])
    with ServerThread(receiver) as server:
        url = f"http://localhost:{server.port}/in"
        result = run(attempt(claimed(url, secret), UrlPolicy(allow_loopback=True)))
    assert (result.outcome, result.status_code) == ("delivered", 204)
    [received] = receiver.accepted
    assert received.headers["host"] == f"localhost:{server.port}"
    assert received.headers["webhook-id"] == "msg_1"


def test_an_address_the_policy_refuses_now_is_never_contacted() -> None:
    # Saved while loopback was allowed (or the name pointed elsewhere); refused at send time.
    secret = signature.new_secret()
    receiver = WebhookReceiver([secret])
    with ServerThread(receiver) as server:
        for url in (server.url + "/in", f"http://localhost:{server.port}/in"):
            result = run(attempt(claimed(url, secret), UrlPolicy(allow_loopback=False)))
            assert (result.outcome, result.error) == ("retry", "address_refused")
    assert receiver.hits == {}


def test_a_receiver_that_is_not_there_is_a_connect_error() -> None:
    from tests.support.processes import free_port

    url = f"http://127.0.0.1:{free_port()}/in"
    result = run(attempt(claimed(url, signature.new_secret()), UrlPolicy(allow_loopback=True)))
    assert (result.outcome, result.status_code, result.error) == ("retry", None, "connect_error")
