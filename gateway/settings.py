"""The gateway's settings: one frozen object, built once from ``GATEWAY_*`` variables.

:func:`Settings.from_env` validates everything at start and raises :class:`SettingsError` naming
the variable and what is wrong with it, so a misconfigured instance never starts half-working.
Secrets are wrapped in :class:`starlette.datastructures.Secret` so they never print.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from limits import parse_many
from starlette.datastructures import Secret

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
class Settings:
    """Every setting of the gateway. Field metadata documents each one (``docs/`` is built from it)."""

    redis_url: Secret | None = _setting(
        None,
        "Redis URL (`redis://`, `rediss://`, `redis+sentinel://`…). Unset: embedded default, "
        "limits in memory and keys in the data folder.",
        secret=True,
    )
    data_dir: Path = _setting(Path("gateway-data"), "Folder for keys, records and the local secret.")
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
    limit_rights_per_ip: str = _setting("5/hour;20/day", "Rights requests per key and client IP.")
    limit_rights_per_email: str = _setting(
        "3/hour;10/day", "Rights requests per key and email address."
    )
    limit_strategy: str = _setting(
        "sliding-window-counter", "`sliding-window-counter`, `fixed-window` or `moving-window`."
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
    limit_admin: str = _setting(
        "120/minute;2000/hour",
        "Requests to `/admin/v1/` per client IP, counted before the token is checked.",
    )
    roll_grace_seconds: float = _setting(
        86_400.0, "Seconds the old private key stays valid after a roll (at most 30 days)."
    )
    revoke_exposed_keys: bool = _setting(
        False, "Revoke a key at once when its private key is seen in a browser context."
    )

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
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Check the combination of settings; raises :class:`SettingsError`."""
        for name in (
            "limit_per_ip",
            "limit_per_key",
            "limit_consent_per_ip",
            "limit_rights_per_ip",
            "limit_rights_per_email",
            "limit_admin",
        ):
            try:
                parse_many(getattr(self, name))
            except ValueError as exc:
                raise SettingsError(
                    name.upper(), f'not a limit like "10/minute;100/hour" ({exc})'
                ) from None
        if self.limit_strategy not in STRATEGIES:
            raise SettingsError("LIMIT_STRATEGY", f"must be one of {', '.join(STRATEGIES)}")
        if self.redis_url is not None and not self.secret_keys:
            raise SettingsError("SECRET_KEY", "required when GATEWAY_REDIS_URL is set")
        for secret in self.secret_keys:
            if len(str(secret)) < 32:
                raise SettingsError("SECRET_KEY", "each secret must be at least 32 characters")
        if self.admin_token is not None and len(str(self.admin_token)) < 24:
            raise SettingsError("ADMIN_TOKEN", "must be at least 24 characters")
        if not 0 < self.redis_timeout <= 10:
            raise SettingsError("REDIS_TIMEOUT", "must be between 0 and 10 seconds")
        if not 0 <= self.roll_grace_seconds <= 30 * 86_400:
            raise SettingsError("ROLL_GRACE_SECONDS", "must be between 0 and 2592000 (30 days)")
        if not 256 <= self.max_body_bytes <= 1_048_576:
            raise SettingsError("MAX_BODY_BYTES", "must be between 256 and 1048576")

    def signing_secrets(self) -> list[str]:
        """The signing secrets, newest first; the embedded default keeps one in the data folder."""
        if self.secret_keys:
            return [str(s) for s in self.secret_keys]
        return [_local_secret(self.data_dir)]

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


def _parse(attr: str, name: str, raw: str) -> Any:
    try:
        if attr in ("redis_url", "admin_token"):
            if attr == "redis_url" and not raw.startswith(
                ("redis://", "rediss://", "unix://", "redis+sentinel://", "redis+cluster://")
            ):
                raise ValueError("must start with redis://, rediss://, unix:// or redis+sentinel://")
            return Secret(raw)
        if attr == "secret_keys":
            return tuple(Secret(s.strip()) for s in raw.split(",") if s.strip())
        if attr == "data_dir":
            return Path(raw)
        if attr == "trusted_proxies":
            return tuple(
                ipaddress.ip_network(c.strip(), strict=False) for c in raw.split(",") if c.strip()
            )
        if attr in ("limits_fail_closed", "revoke_exposed_keys"):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError("must be true or false")
        if attr in ("redis_timeout", "key_cache_ttl", "roll_grace_seconds"):
            return float(raw)
        if attr == "max_body_bytes":
            return int(raw)
        return raw
    except ValueError as exc:
        raise SettingsError(name, str(exc)) from None


def _local_secret(data_dir: Path) -> str:
    """Read, or create once, the signing secret the embedded default keeps in the data folder."""
    path = data_dir / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(value)
    tmp.chmod(0o600)
    try:
        # link() fails when another process created the file first: then its secret wins.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def settings_table() -> str:
    """Every setting as a Markdown table, for ``docs/settings.md`` (a test keeps them equal)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in fields(Settings):
        name = ENV_PREFIX + (f.metadata.get("env") or f.name.upper())
        default = f.default
        if default is None or default == ():
            shown = "unset"
        elif isinstance(default, bool):
            shown = "`true`" if default else "`false`"
        else:
            shown = f"`{default}`"
        rows.append(f"| `{name}` | {shown} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"
