"""Which content coding a client takes, from its ``Accept-Encoding`` field (RFC 9110 12.5.3)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def preferred_encoding(accept_encoding: str, has_br: bool) -> str | None:
    """``br``, ``gzip`` or None for an ``Accept-Encoding`` value; browsers send a handful of
    distinct values, so each is parsed once."""
    accepted = parse_accept_encoding(accept_encoding)
    if has_br and accepted.get("br", accepted.get("*", 0)) > 0:
        return "br"
    if accepted.get("gzip", accepted.get("*", 0)) > 0:
        return "gzip"
    return None


def parse_accept_encoding(value: str) -> dict[str, float]:
    """``gzip, br;q=0.5`` → ``{"gzip": 1.0, "br": 0.5}``; malformed weights count as 0."""
    out: dict[str, float] = {}
    for part in value.split(","):
        token, _, params = part.strip().partition(";")
        token = token.strip().lower()
        if not token:
            continue
        q = 1.0
        params = params.strip().lower()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        out[token] = q
    return out
