"""The gateway's settings: one frozen object, built once from ``GATEWAY_*`` variables.

:func:`Settings.from_env` validates everything at start and raises :class:`SettingsError` naming
the variable and what is wrong with it, so a misconfigured instance never starts half-working.
Secrets are wrapped in :class:`starlette.datastructures.Secret` so they never print.
"""

from __future__ import annotations

import ipaddress
import itertools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from limits import parse_many
from starlette.datastructures import Secret

from gateway.durable import create_once
from gateway.geo_settings import GeoSettings
from gateway.operations import OperationsSettings, markdown_table
from gateway.owner_settings import OwnerSettings
from gateway.requester_settings import RequesterSettings
from gateway.signin_settings import SignInSettings
from gateway.webhook_settings import WebhookSettings

ENV_PREFIX = "GATEWAY_"
SECRET_FILE = "secret_key"


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{ENV_PREFIX}{variable}: {problem}")


def _setting(default: Any, doc: str, env: str | None = None, secret: bool = False) -> Any:
    return field(default=default, metadata={"doc": doc, "env": env, "secret": secret})


@dataclass(frozen=True)
class Settings(  # the mixins are grouped by concern, each in its own module
    RequesterSettings,
    SignInSettings,
    WebhookSettings,
    GeoSettings,
    OwnerSettings,
    OperationsSettings,
):
    """Every setting of the gateway; field metadata documents each one (``docs/settings.md``)."""

    redis_url: Secret | None = _setting(
        None,
        "Redis URL (`redis://`, `rediss://`, `redis+sentinel://`…). Unset: embedded default, "
        "limits in memory and keys in the data folder.",
        secret=True,
    )
    data_dir: Path = _setting(
        Path("gateway-data"), "Folder for keys, records and the local secret."
    )
    secret_keys: tuple[Secret, ...] = _setting(
        (),
        "Signing secrets, comma-separated, newest first (older ones still verify). Required with "
        "Redis; the embedded default creates one in the data folder.",
        env="SECRET_KEY",
        secret=True,
    )
    admin_token: Secret | None = _setting(
        None, "Bearer token for `/admin/v1/`. Unset: the admin API is disabled.", secret=True
    )
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = _setting(
        (), "CIDRs of proxies whose `X-Forwarded-For` is trusted, comma-separated."
    )
    limit_per_ip: str = _setting("600/minute", "Requests per client IP over all keys.")
    limit_per_key: str = _setting("6000/minute", "Requests per key (the account's quota).")
    limit_consent_per_ip: str = _setting(
        "30/minute;300/hour", "Consent records per key and client IP."
    )
    limit_strategy: str = _setting(
        "sliding-window-counter", "`sliding-window-counter`, `fixed-window` or `moving-window`."
    )
    limit_engine: str = _setting(
        "script",
        "How limits are counted in Redis: `script` (every limit of a request in one Lua script, "
        "one round trip; sliding-window-counter on a single Redis or a Cluster, where it is one "
        "script per hash slot, sent together) or `limits` (the `limits` library's own storage, a "
        "few round trips per limit; used for Sentinel and the other strategies).",
    )
    limits_fail_closed: bool = _setting(
        False,
        "When Redis is unreachable, refuse requests (503) instead of limiting in memory.",
    )
    redis_timeout: float = _setting(0.25, "Seconds a Redis command may take before it fails.")
    max_body_bytes: int = _setting(16_384, "Largest request body accepted on `/v1/`.")
    key_cache_ttl: float = _setting(
        30.0, "Seconds a key stays in the in-process cache (invalidations drop it sooner)."
    )
    database_url: Secret | None = _setting(
        None, "The records store: `sqlite:///…` or `postgresql://…` (see records.md).", secret=True
    )
    consent_sink: str | None = _setting(
        None, "Where consent records go, comma-separated: `database`, `file://`, `https://`, …"
    )
    rights_sink: str | None = _setting(
        None, "Where rights requests go: as `GATEWAY_CONSENT_SINK` (the file: `rights.jsonl`)."
    )
    sink_rotate_bytes: int = _setting(
        64 * 1024 * 1024, "A `file://` sink starts a new file past this size (0: never)."
    )
    sink_rotate_daily: bool = _setting(
        True, "A `file://` sink starts a new file on the first record of each UTC day."
    )
    delivery_timeout: float = _setting(
        5.0, "Seconds an HTTP sink may take to answer one delivery before it is retried."
    )
    delivery_max_attempts: int = _setting(
        20, "Attempts before a record goes to the dead-letter stream."
    )
    delivery_max_age: float = _setting(
        3 * 86400.0, "Seconds after acceptance when a record still failing goes to dead-letter."
    )
    delivery_backoff: float = _setting(
        1.0, "Seconds before the first retry; doubles each attempt, half of each wait random."
    )
    delivery_backoff_max: float = _setting(300.0, "Longest wait between two attempts, seconds.")
    delivery_claim_idle: float = _setting(
        60.0,
        "Seconds a record may stay claimed by an instance that stopped answering before "
        "another instance takes it over.",
    )
    assertion_legacy_hmac: bool = _setting(
        False, "Also send the shared-secret assertion (`X-Gateway-Assertion-Legacy`) of old."
    )
    limit_admin: str = _setting(
        "20/minute;200/hour",
        "Failed admin-token attempts per client IP (the right token is never refused).",
    )
    limit_admin_failures: str = _setting(
        "60/minute;600/hour",
        "Failed admin-token attempts over all client IPs (shared through Redis by every instance).",
    )
    roll_grace_seconds: float = _setting(
        86_400.0, "Seconds the old private key stays valid after a roll (at most 30 days)."
    )
    ipv6_limit_prefix: int = _setting(64, "Per-IP limits count an IPv6 client per /N network.")
    revoke_exposed_keys: bool = _setting(
        False, "Revoke a key at once when its private key is seen in a browser context."
    )
    oauth_issuer: str | None = _setting(
        None,
        "The OAuth2 issuer: the gateway's public base URL (`https://gw.example`), in tokens "
        "(`iss`, and `aud` = issuer + `/api/v1`) and the metadata. Unset: the scheme and host "
        "requests arrive with; set it in production.",
    )
    oauth_access_token_ttl: int = _setting(3600, "Seconds an OAuth2 access token is valid.")
    oauth_refresh_token_ttl: float = _setting(
        30 * 86_400.0,
        "Seconds an unused refresh token stays valid (each refresh issues a new one).",
    )
    oauth_signing_key_rotation: float = _setting(
        30 * 86_400.0,
        "Seconds a token-signing key signs before a new one replaces it; the old public key stays "
        "in the JWKS until the tokens it signed have expired.",
    )
    limit_oauth_token: str = _setting("60/minute;1000/hour", "Token requests per client.")
    limit_oauth_token_per_ip: str = _setting("120/minute", "Token requests per client IP.")
    limit_oauth_auth_failures: str = _setting(
        "10/minute;50/hour",
        "Failed client authentications per client IP before OAuth2 endpoints refuse it (429).",
    )
    api_upstream_timeout: float = _setting(
        30.0, "Seconds an API upstream may take to connect, answer, or send the next chunk."
    )
    smtp_url: Secret | None = _setting(
        None,
        "SMTP server: `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`; TLS "
        "rules in docs/mail.md. Unset: mail is written to `GATEWAY_MAIL_DIR` as `.eml` files.",
        secret=True,
    )
    smtp_ca_file: Path | None = _setting(None, "PEM CA bundle trusted for the SMTP server.")
    mail_from: str | None = _setting(None, "Sender (`Name <address>`); needed with an SMTP URL.")
    mail_dir: Path | None = _setting(None, "Where `.eml` files go without SMTP (DATA_DIR/mail).")
    mail_timeout: float = _setting(30.0, "Seconds the SMTP server may take to answer a command.")
    mail_max_age: float = _setting(172_800.0, "Seconds until a failing message is dead-lettered.")

    @property
    def embedded(self) -> bool:
        """True when running without Redis (the embedded default)."""
        return self.redis_url is None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from ``GATEWAY_*`` variables in ``environ``, validating each."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata.get("env") or f.name.upper()
            raw = environ.get(ENV_PREFIX + name)
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = _parse(f.name, name, raw.strip())
        values.update(cls.standard_variables(environ, values))
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Check the combination of settings; raises :class:`SettingsError`."""
        # Every ``limit_*`` text setting is a list of limits; the strategy and engine are names.
        named = ("limit_strategy", "limit_engine")
        for name in (
            f.name for f in fields(self) if f.name.startswith("limit_") and f.type == "str"
        ):
            if name in named:
                continue
            try:
                parse_many(getattr(self, name))
            except ValueError as exc:
                raise SettingsError(
                    name.upper(), f'not a limit like "10/minute;100/hour" ({exc})'
                ) from None
        if self.limit_strategy not in STRATEGIES:
            raise SettingsError("LIMIT_STRATEGY", f"must be one of {', '.join(STRATEGIES)}")
        if self.limit_engine not in LIMIT_ENGINES:
            raise SettingsError("LIMIT_ENGINE", f"must be one of {', '.join(LIMIT_ENGINES)}")
        if self.redis_url is not None and not self.secret_keys:
            raise SettingsError("SECRET_KEY", "required when GATEWAY_REDIS_URL is set")
        for secret in self.secret_keys:
            if len(str(secret)) < 32:
                raise SettingsError("SECRET_KEY", "each secret must be at least 32 characters")
        for variable, text in itertools.chain(
            self.operations_problems(self.secret_keys, self.admin_token),
            self.owner_problems(),
            self.geo_problems(self.trusted_proxies),
            self.webhook_problems(),
            self.signin_problems(),
            self.requester_problems(),
        ):
            raise SettingsError(variable, text)
        if not 0 < self.redis_timeout <= 10:
            raise SettingsError("REDIS_TIMEOUT", "must be between 0 and 10 seconds")
        if not 0 <= self.rights_token_min_age < self.rights_token_max_age:
            raise SettingsError(
                "RIGHTS_TOKEN_MIN_AGE", "must be at least 0 and below GATEWAY_RIGHTS_TOKEN_MAX_AGE"
            )
        if not 0 < self.rights_duplicate_window <= 30 * 86_400:
            raise SettingsError("RIGHTS_DUPLICATE_WINDOW", "must be between 0 and 30 days")
        if not 0 <= self.roll_grace_seconds <= 30 * 86_400:
            raise SettingsError("ROLL_GRACE_SECONDS", "must be between 0 and 2592000 (30 days)")
        if not 256 <= self.max_body_bytes <= 1_048_576:
            raise SettingsError("MAX_BODY_BYTES", "must be between 256 and 1048576")
        if not 32 <= self.ipv6_limit_prefix <= 128:
            raise SettingsError("IPV6_LIMIT_PREFIX", "must be between 32 and 128")
        self._validate_oauth()
        if self.smtp_url is not None and self.mail_from is None:
            raise SettingsError("MAIL_FROM", "required when GATEWAY_SMTP_URL is set")
        if self.smtp_ca_file is not None and not self.smtp_ca_file.is_file():
            raise SettingsError("SMTP_CA_FILE", "no such file")
        if not (0 < self.mail_timeout <= 300 and self.mail_max_age > 0):
            raise SettingsError("MAIL_TIMEOUT", "0 to 300 s; and GATEWAY_MAIL_MAX_AGE above 0")
        for attr in ("consent_sink", "rights_sink"):
            for url in (u.strip() for u in (getattr(self, attr) or "").split(",") if u.strip()):
                problem = sink_url_problem(url, self.redis_url, self.database_url)
                if problem:
                    raise SettingsError(attr.upper(), problem)
        if self.sink_rotate_bytes < 0:
            raise SettingsError("SINK_ROTATE_BYTES", "must be 0 (never) or a positive size")
        if not 0 < self.delivery_timeout <= 120:
            raise SettingsError("DELIVERY_TIMEOUT", "must be between 0 and 120 seconds")
        if self.delivery_max_attempts < 1:
            raise SettingsError("DELIVERY_MAX_ATTEMPTS", "must be at least 1")
        if self.delivery_max_age <= 0:
            raise SettingsError("DELIVERY_MAX_AGE", "must be a positive number of seconds")
        if not 0 < self.delivery_backoff <= self.delivery_backoff_max:
            raise SettingsError(
                "DELIVERY_BACKOFF", "must be positive and at most GATEWAY_DELIVERY_BACKOFF_MAX"
            )
        if self.delivery_claim_idle <= self.delivery_timeout:
            raise SettingsError(
                "DELIVERY_CLAIM_IDLE", "must be longer than GATEWAY_DELIVERY_TIMEOUT"
            )

    def _validate_oauth(self) -> None:
        issuer = self.oauth_issuer
        if issuer is not None and (not issuer.startswith(("https://", "http://")) or "?" in issuer):
            raise SettingsError("OAUTH_ISSUER", "must be an http(s):// base URL, no query")
        if not 60 <= self.oauth_access_token_ttl <= 86_400:
            raise SettingsError("OAUTH_ACCESS_TOKEN_TTL", "must be between 60 and 86400 seconds")
        if not 3600 <= self.oauth_refresh_token_ttl <= 365 * 86_400:
            raise SettingsError("OAUTH_REFRESH_TOKEN_TTL", "must be between 1 hour and 365 days")
        if not self.oauth_access_token_ttl * 2 <= self.oauth_signing_key_rotation:
            raise SettingsError(
                "OAUTH_SIGNING_KEY_ROTATION",
                "must be at least twice GATEWAY_OAUTH_ACCESS_TOKEN_TTL",
            )
        for family in ("consents", "rights", "webhooks"):
            url = getattr(self, f"api_upstream_{family}")
            if url is not None and not url.startswith(("http://", "https://")):
                raise SettingsError(f"API_UPSTREAM_{family.upper()}", "must be an http(s):// URL")
        if not 0 < self.api_upstream_timeout <= 300:
            raise SettingsError("API_UPSTREAM_TIMEOUT", "must be between 0 and 300 seconds")

    def signing_secrets(self) -> list[str]:
        """The signing secrets, newest first; the embedded default keeps one in the data folder."""
        if self.secret_keys:
            return [str(s) for s in self.secret_keys]
        return [create_once(self.data_dir / SECRET_FILE, lambda: secrets.token_urlsafe(48))]

    def describe(self) -> dict[str, str]:
        """Every setting with secrets masked, for start-up logs."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("secret") and value:
                out[f.name] = "(set)"
            elif isinstance(value, tuple):
                out[f.name] = ",".join(str(v) for v in value)
            else:
                out[f.name] = str(value)
        return out


STRATEGIES = ("sliding-window-counter", "fixed-window", "moving-window")

LIMIT_ENGINES = ("script", "limits")


def _parse(attr: str, name: str, raw: str) -> Any:
    """Parse one variable by its field's type (special cases for URLs, secrets and lists)."""
    kind = _FIELD_TYPES[attr]
    try:
        if attr in URL_SCHEMES:
            if not raw.startswith(URL_SCHEMES[attr]):
                raise ValueError("must start with " + ", ".join(URL_SCHEMES[attr]))
            return Secret(raw)
        if attr == "secret_keys":
            return tuple(Secret(s.strip()) for s in raw.split(",") if s.strip())
        if attr == "trusted_proxies":
            return tuple(
                ipaddress.ip_network(c.strip(), strict=False) for c in raw.split(",") if c.strip()
            )
        if "Secret" in kind:
            return Secret(raw)
        if kind.startswith("Path"):
            return Path(raw)
        if kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError("must be true or false")
        if kind == "float":
            return float(raw)
        if kind in ("int", "int | None"):
            return int(raw)
        return raw
    except ValueError as exc:
        raise SettingsError(name, str(exc)) from None


REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+sentinel://", "redis+cluster://")
URL_SCHEMES = {"redis_url": REDIS_SCHEMES, "smtp_url": ("smtp://", "smtps://")}
URL_SCHEMES["database_url"] = ("sqlite:///", "postgresql://", "postgres://")
# With postponed annotations, field types are strings such as "float" or "Secret | None".
_FIELD_TYPES = {f.name: str(f.type) for f in fields(Settings)}


SINK_SCHEMES = ("file://", "redis-stream://", "http://", "https://")


def sink_url_problem(url: str | None, redis: object = None, database: object = None) -> str | None:
    """What is wrong with one sink URL given the Redis and database URLs set, or None."""
    if url == "database" and database is None and redis is not None:
        return "a database sink needs GATEWAY_DATABASE_URL (with Redis)"
    if url is None or url == "database":
        return None
    if url.startswith("redis-stream://") and redis is None:
        return "a redis-stream:// sink needs GATEWAY_REDIS_URL"
    if not url.startswith(SINK_SCHEMES):
        return "each sink must be database, or start with file://, redis-stream://, http(s)://"
    scheme, _, rest = url.partition("://")
    if scheme == "file" and not rest.startswith("/"):
        return "a file:// sink needs an absolute path (file:///var/lib/gateway/consent.jsonl)"
    if scheme == "redis-stream" and not rest.strip("/"):
        return "a redis-stream:// sink needs a stream name (redis-stream://consent-records)"
    if scheme in ("http", "https") and not rest.split("/", 1)[0]:
        return "an HTTP sink needs a host"
    return None


def settings_table() -> str:
    """Every setting as a Markdown table, for ``docs/settings.md`` (a test keeps them equal)."""
    return markdown_table(fields(Settings), ENV_PREFIX)
