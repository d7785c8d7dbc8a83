"""The package's shape: which room may import which, no import cycle, no oversized module.

Each room's ``__init__`` docstring states its rule in words; the table below is the same rule,
checked. An import anywhere in a module counts (top level, function-local or under
``TYPE_CHECKING``): a dependency is a dependency wherever it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "gateway"
# The shared core: what every room may use. ``app`` and ``services`` compose the rooms.
CORE = {
    "settings",
    "operations",
    "owner_settings",
    "geo_settings",
    "webhook_settings",
    "signin_settings",
    "requester_settings",
    "space_settings",
    "errors",
    "problems",
    "signing",
    "redis_client",
    "durable",
    "thread_batch",
    "clock",
}
COMPOSITION = {"app", "services", "__main__", "__init__"}
# room -> what it may import besides the shared core ("room" or "room.module").
ALLOWED: dict[str, set[str]] = {
    "ratelimit": set(),
    # The widgets' built-in texts per locale: data, read by both widget rooms.
    "locales": set(),
    "delivery": {"web.metrics"},
    # Outgoing mail rides on the delivery queues; the rights form shares its address rule.
    "mail": {"delivery"},
    # A key's widget configs are validated with the widgets' own schema parsers when saved,
    # the consent cookie's domain against the key's origins.
    "keys": {"web", "consent.config", "consent.cookie_domain", "rights.config"},
    "web": {"keys", "ratelimit"},
    "consent": {"web", "keys", "ratelimit", "delivery", "locales"},
    # The form's answer shows the due date by the same per-law rules the records store keeps.
    "rights": {"web", "keys", "ratelimit", "delivery", "locales", "mail", "records.deadlines"},
    "admin": {"web", "keys", "ratelimit", "accounts"},
    # People, sessions and roles; keys are changed only through keys.changes.
    "accounts": {"keys", "ratelimit", "db", "mail", "web.clientip"},
    # The rights inbox works on the records store as the site-owner API does, with its shapes;
    # the console shows an account's webhook endpoints and deliveries as the webhooks API does,
    # and a key's last scan report as the scanner stored it.
    "console": {
        "web",
        "keys",
        # The widget editor checks and previews drafts with the widgets' own config parsers.
        "consent.config",
        "consent.texts",
        "rights.config",
        "rights.texts",
        "accounts",
        "records",
        "records.api.common",
        "records.api.render",
        "webhooks.store",
        "webhooks.runtime",
        "webhooks.api.render",
        "scanner.store",
        "agents.api",
    },
    # Alembic's env.py loads every room's tables, to compare them with the database.
    "db": {"records.tables", "accounts.tables", "webhooks.tables", "scanner.tables"},
    # The records store keeps the widgets' typed records; the webhook events of its changes go
    # into the webhook outbox in the change's own transaction (never lost, never premature).
    "records": {
        "db",
        "consent.records",
        "rights.requests",
        "delivery.envelope",
        "webhooks.outbox",
        "webhooks.model",
    },
    # Webhook endpoints, their outbox and workers, in the records store's database.
    "webhooks": {"db"},
    # The webhooks API rides on the OAuth2 API's route wrapper, like the records API.
    "webhooks.api": {"webhooks", "oauth.api_auth", "web"},
    # The site owner's API over the store rides on the OAuth2 API's route wrapper.
    # An agent's authorisation is downloaded as the agents' room serves it.
    "records.api": {"records", "oauth.api_auth", "web", "agents.api"},
    # The OAuth2 server and the API: tokens for keys, limits on its endpoints, the assertion it
    # forwards API calls with, and (through its sign-in seam) the accounts' sessions, found by
    # the console's session cookie.
    "oauth": {"web", "keys", "ratelimit", "delivery.assertion", "accounts", "console.cookies"},
    # The requester's side: their codes and page work on the records store where their requests
    # live, mailed through the gateway's mailer in the widgets' languages; the space's session
    # is guarded by the console's CSRF checks, not a second scheme.
    "portal": {
        "web",
        "keys",
        "ratelimit",
        "mail",
        "locales",
        "records",
        "rights.requests",
        "console.csrf",
    },
    # Requests filed by authorised agents: the document sealed with the accounts' keys, the data
    # subject's e-mail and page (in the request's language, with the requester's texts), over
    # the records store where the requests live.
    "agents": {
        "web",
        "ratelimit",
        "mail",
        "locales",
        "records",
        "accounts.sealing",
        "portal.texts",
    },
    # The cookie scanner matches what it sees against the consent config's schema; each key's
    # last report is kept in the gateway's database.
    "scanner": {"consent.config", "db"},
}
# Rooms with routes read the running app's parts from the ``Services`` container handed to them;
# the lower rooms (ratelimit, delivery) receive only the parts they use.
ROUTE_ROOMS = {
    "web",
    "keys",
    "consent",
    "rights",
    "admin",
    "oauth",
    "console",
    "records.api",
    "webhooks.api",
    "portal",
    "agents",
}
# Packages inside a room that are rooms of their own, with their own rule.
SUB_ROOMS = {"records.api", "webhooks.api"}
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "static" not in p.parts)


def dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def gateway_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "gateway":
                found.update(f"gateway.{alias.name}" for alias in node.names)
            elif node.module.startswith("gateway."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("gateway."))
    return found


def room_of(module: str) -> str:
    parts = module.split(".")
    if ".".join(parts[1:3]) in SUB_ROOMS:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else "__init__"


def permitted(source_room: str, target: str) -> bool:
    target_room = room_of(target)
    if target_room in CORE or target_room == source_room:
        return True
    if target_room == "services":
        return source_room in ROUTE_ROOMS or source_room == "cli" or source_room in COMPOSITION
    if source_room not in ALLOWED:  # cli is an entry point; app/services compose
        return source_room == "cli" or source_room in COMPOSITION
    rest = target.split(".", 1)[1]
    return any(rest == rule or rest.startswith(rule + ".") for rule in ALLOWED[source_room])


@pytest.mark.parametrize("path", modules(), ids=lambda p: dotted(p))
def test_module_imports_only_what_its_room_may(path: Path) -> None:
    source_room = room_of(dotted(path))
    if source_room in CORE:
        bad = {t for t in gateway_imports(path) if room_of(t) not in CORE}
    else:
        bad = {t for t in gateway_imports(path) if not permitted(source_room, t)}
    assert not bad, f"{dotted(path)} may not import {sorted(bad)}"


def test_the_rules_forbid_what_they_should() -> None:
    # The table is the rule: a widget room never reaches into the other, delivery never into an API.
    assert not permitted("consent", "gateway.rights.api")
    assert not permitted("rights", "gateway.consent.records")
    assert not permitted("delivery", "gateway.consent.api")
    assert not permitted("ratelimit", "gateway.keys.model")
    assert not permitted("delivery", "gateway.services")
    assert not permitted("mail", "gateway.rights.requests")
    assert permitted("consent", "gateway.errors")
    assert permitted("rights", "gateway.locales")
    assert not permitted("locales", "gateway.consent.texts")


def test_no_top_level_module_outside_the_core() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top <= CORE | COMPOSITION, sorted(top - CORE - COMPOSITION)


def test_no_import_cycle_between_modules() -> None:
    # Top-level imports only: those are what run at import time and can deadlock a load.
    graph: dict[str, set[str]] = {}
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in tree.body:
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module == "gateway" or node.module.startswith("gateway."):
                # ``from gateway.web import guard`` imports the module ``gateway.web.guard``.
                edges.add(node.module)
                edges.update(f"{node.module}.{a.name}" for a in node.names)
        graph[dotted(path)] = edges
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*trail, nxt])
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


@pytest.mark.parametrize("path", modules(), ids=lambda p: dotted(p))
def test_module_is_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{dotted(path)} has {lines} lines; split it by concern"


@pytest.mark.parametrize("path", modules(), ids=lambda p: dotted(p))
def test_the_time_of_day_is_read_through_the_one_clock(path: Path) -> None:
    # gateway.clock is the one place that asks the system; everything else is handed a clock,
    # so tests can move in time without sleeping.
    if dotted(path) == "gateway.clock":
        return
    text = path.read_text(encoding="utf-8")
    assert "time.time()" not in text and "datetime.now(" not in text and "utcnow(" not in text
