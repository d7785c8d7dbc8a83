"""The settings of the gateway as a running service: ports, logs, tracing, stopping, and the
HTTP server's bounds on what one connection may send.

:class:`OperationsSettings` is the base of :class:`~gateway.settings.Settings` (its fields are
read from ``GATEWAY_*`` variables and listed in ``docs/settings.md`` like every other), kept here
so that the settings of the product and those of its operation each stay a readable size.
:meth:`~OperationsSettings.operations_problems` also refuses the example secrets shipped in
``deploy/`` and the docs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import Field, dataclass, field
from typing import Any

LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# How the example secrets in the files shipped with the gateway begin: an instance started with
# one of them would sign with a secret anyone can read.
PLACEHOLDER_PREFIXES = ("replace-with-", "change-me", "example-secret")
# The admin token guards every key: long and random (docs/security.md).
# Redis URLs whose writes go to a master with replicas: the outbox waits for them (WAIT).
REPLICATED_SCHEMES = ("redis+sentinel", "redis+cluster")
MIN_TOKEN_LENGTH = 32
MIN_TOKEN_DISTINCT = 8
TOKEN_ADVICE = "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"


# Bounds of the HTTP server's settings (gateway.web.server), inclusive.
SERVER_RANGES: dict[str, tuple[float, float]] = {
    "max_header_bytes": (1024, 1_048_576),
    "max_header_fields": (10, 1000),
    "header_timeout": (0.1, 600),
    "body_timeout": (0.1, 600),
    "limit_concurrency": (1, 1_000_000),
    "keep_alive_timeout": (1, 600),
}


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc, "env": None, "secret": False})


@dataclass(frozen=True)
class OperationsSettings:
    operator_port: int | None = _setting(
        None,
        "A second port for `/metrics`, `/readyz`, the admin API and the key-manager page (which "
        "then answer 404 on the public port). Unset: everything on the one port.",
    )
    log_format: str = _setting("json", "`json` (one object per line) or `text` (for a terminal).")
    log_level: str = _setting("INFO", "`DEBUG`, `INFO`, `WARNING` or `ERROR`.")
    otel_endpoint: str | None = _setting(
        None,
        "OTLP/HTTP endpoint for traces (`http://collector:4318`); the standard "
        "`OTEL_EXPORTER_OTLP_ENDPOINT` is read too. Unset: no tracing.",
    )
    otel_service_name: str = _setting("widget-gateway", "The service name on exported spans.")
    # The HTTP server's bounds (gateway.web.server); past each, the answer it names.
    max_header_bytes: int = _setting(16_384, "Largest request head (line + fields); `431`.")
    max_header_fields: int = _setting(100, "Most header fields in one request; `431`.")
    header_timeout: float = _setting(10.0, "Seconds to send a request's head; `408`.")
    body_timeout: float = _setting(30.0, "Seconds to send a body once the head is in; `408`.")
    limit_concurrency: int = _setting(1000, "Connections + running requests per process; `503`.")
    keep_alive_timeout: int = _setting(5, "Seconds an idle keep-alive connection stays open.")
    redis_wait_replicas: int = _setting(
        1,
        "On Sentinel or Cluster, replicas that must confirm an outbox write (`WAIT`) before the "
        "widget's `2xx`; a record they do not confirm in time is also kept in the local spool. "
        "0: no `WAIT`.",
    )
    redis_wait_timeout: float = _setting(
        0.1,
        "Seconds the outbox's `WAIT` may block (above 0, below `GATEWAY_REDIS_TIMEOUT`).",
    )
    shutdown_timeout: float = _setting(
        20.0,
        "Seconds `serve` waits for requests in flight after SIGTERM before closing them (keep "
        "below the orchestrator's grace period).",
    )

    @staticmethod
    def standard_variables(environ: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
        """Settings taken from standard variables when no ``GATEWAY_*`` one is given."""
        standard = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        return {"otel_endpoint": standard} if standard and "otel_endpoint" not in values else {}

    def operations_problems(
        self, secret_keys: Iterable[object], admin_token: object
    ) -> Iterator[tuple[str, str]]:
        """``(variable, problem)`` for each operations setting that is wrong, and for a secret
        that is an example shipped with the gateway."""
        given = {"SECRET_KEY": secret_keys, "ADMIN_TOKEN": (admin_token,)}
        for variable, values in given.items():
            if any(v is not None and is_placeholder(str(v)) for v in values):
                yield variable, "is an example value shipped with the gateway; generate your own"
        weakness = token_weakness(str(admin_token)) if admin_token is not None else None
        if weakness is not None:
            yield "ADMIN_TOKEN", f"{weakness}; generate one with {TOKEN_ADVICE}"
        if self.operator_port is not None and not 1 <= self.operator_port <= 65535:
            yield "OPERATOR_PORT", "must be a port number (1-65535)"
        if self.log_format not in LOG_FORMATS:
            yield "LOG_FORMAT", f"must be one of {', '.join(LOG_FORMATS)}"
        if self.log_level.upper() not in LOG_LEVELS:
            yield "LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}"
        if self.otel_endpoint is not None and not self.otel_endpoint.startswith(
            ("http://", "https://")
        ):
            yield "OTEL_ENDPOINT", "must be an http:// or https:// URL"
        if not 0 <= self.redis_wait_replicas <= 16:
            yield "REDIS_WAIT_REPLICAS", "must be between 0 and 16"
        # WAIT 0 would block for ever; past the socket timeout, the read would fail first. Only
        # Sentinel and Cluster URLs wait, so only there does the socket timeout bound it.
        url = str(getattr(self, "redis_url", None) or "")
        replicated = url.split("://", 1)[0] in REPLICATED_SCHEMES and self.redis_wait_replicas > 0
        ceiling = getattr(self, "redis_timeout", 10.0) if replicated else 10.0
        if not 0.001 <= self.redis_wait_timeout < ceiling:
            yield "REDIS_WAIT_TIMEOUT", "must be at least 0.001 and below GATEWAY_REDIS_TIMEOUT"
        if not 0 < self.shutdown_timeout <= 600:
            yield "SHUTDOWN_TIMEOUT", "must be between 0 and 600 seconds"
        for name, (low, high) in SERVER_RANGES.items():
            if not low <= getattr(self, name) <= high:
                yield name.upper(), f"must be between {low} and {high}"


def token_weakness(token: str) -> str | None:
    """Why ``token`` is too easy to guess for the admin token, or None.

    Length alone is not enough: ``"t" * 40`` or a short pattern repeated is long and still
    guessable. So the token also needs many different characters, and most of its 3-character
    sequences must differ (a repeated pattern has few). Random tokens pass all three easily.
    """
    if len(token) < MIN_TOKEN_LENGTH:
        return f"must be at least {MIN_TOKEN_LENGTH} characters"
    if len(set(token)) < MIN_TOKEN_DISTINCT:
        return f"is too regular: use at least {MIN_TOKEN_DISTINCT} different characters"
    trigrams = [token[i : i + 3] for i in range(len(token) - 2)]
    if len(set(trigrams)) < 0.75 * len(trigrams):
        return "is too regular: it repeats the same sequences of characters"
    return None


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is one of the example secrets shipped in deploy/ or the docs."""
    return value.strip().lower().startswith(PLACEHOLDER_PREFIXES)


def markdown_table(settings_fields: Iterable[Field[Any]], prefix: str) -> str:
    """Settings fields as a Markdown table: variable, default, meaning."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in settings_fields:
        name = prefix + (f.metadata.get("env") or f.name.upper())
        default = f.default
        if default is None or default == ():
            shown = "unset"
        elif isinstance(default, bool):
            shown = "`true`" if default else "`false`"
        else:
            shown = f"`{default}`"
        rows.append(f"| `{name}` | {shown} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"
