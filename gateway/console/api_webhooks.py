"""Console API for an account's webhook endpoints: each with its recent deliveries, a replay of
one, a test event.

The same store and rules as ``/api/v1/webhooks`` (:mod:`gateway.webhooks.store`): an endpoint or
delivery of another account is ``404 not_found``. Viewers see; admins and owners replay and send
test events.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.console.routing import ConsoleCall, console_route, json
from gateway.errors import StoreUnavailable
from gateway.webhooks.api.render import delivery, endpoint
from gateway.webhooks.runtime import Webhooks

RECENT = 10


def _webhooks(call: ConsoleCall) -> Webhooks:
    if call.services.webhooks is None:
        raise StoreUnavailable("This gateway keeps no records store, where webhooks live.")
    return call.services.webhooks


def _ids(call: ConsoleCall) -> tuple[str, str]:
    params = call.request.path_params
    return call.account_grant.account.id, str(params["endpoint_id"])[:64]


async def list_webhooks(call: ConsoleCall) -> Response:
    """The account's webhook endpoints, each with its recent deliveries."""
    store = _webhooks(call).store
    account = call.account_grant.account.id
    out = []
    for found in await store.endpoints(account):
        recent = await store.deliveries(account, found.id, limit=RECENT)
        out.append({**endpoint(found), "deliveries": [delivery(d) for d in recent.items]})
    return json({"endpoints": out})


async def replay_delivery(call: ConsoleCall) -> Response:
    """Queue a finished delivery again."""
    hooks = _webhooks(call)
    account, endpoint_id = _ids(call)
    delivery_id = str(call.request.path_params["delivery_id"])[:64]
    again = await hooks.store.replay(account, endpoint_id, delivery_id)
    hooks.dispatcher.wake()
    return json(delivery(again), 202)


async def send_test(call: ConsoleCall) -> Response:
    """Send a webhook.test event to one endpoint."""
    hooks = _webhooks(call)
    sent = await hooks.store.send_test(*_ids(call))
    hooks.dispatcher.wake()
    return json(delivery(sent), 202)


def routes() -> list[Route]:
    hooks = "/accounts/{account}/webhooks"
    one = hooks + "/{endpoint_id}"
    return [
        console_route(hooks, list_webhooks, ["GET"], role="viewer"),
        console_route(one + "/test", send_test, ["POST"], role="admin"),
        console_route(
            one + "/deliveries/{delivery_id}/replay", replay_delivery, ["POST"], role="admin"
        ),
    ]
