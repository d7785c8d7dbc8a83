"""Consent record ids: a new id for a record without a key, and the stable id of a keyed record.

A widget gives each record a ``record_key`` that stays the same when it sends the record again;
the id is derived from that key and the digest of what was chosen, keyed with a server secret.
The digest's canonical form is fixed: ids derived by earlier releases must come out the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import fields
from typing import Any

import orjson

from gateway.clock import system_clock
from gateway.consent.choice import ConsentChoice


def new_record_id(now: float | None = None) -> str:
    """``cr_`` + milliseconds (hex, so ids sort by time) + 64 random bits."""
    ms = int((system_clock() if now is None else now) * 1000)
    return f"cr_{ms:012x}{secrets.token_hex(8)}"


def choice_digest(choice: ConsentChoice) -> str:
    """SHA-256 of the choice's canonical JSON (sorted keys, no spaces, ASCII): its content."""
    # Neither the digest of the config shown nor an absent variant: ids stay what they were
    # before records carried them.
    # Field by field rather than ``asdict`` (a deep copy): the same content, so the same ids.
    content: dict[str, Any] = {name: getattr(choice, name) for name in _DIGEST_FIELDS}
    content["categories"] = dict(choice.categories)
    content["services"] = dict(choice.services)
    if choice.variant is not None:
        content["variant"] = choice.variant
    return hashlib.sha256(canonical_json(content)).hexdigest()


def canonical_json(content: dict[str, Any]) -> bytes:
    """``json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)``, as
    bytes: the form record ids were always derived from.

    ``orjson`` writes the same bytes whenever what it writes is ASCII without DEL (text of
    ASCII, booleans, null, objects with text keys: a choice's content); otherwise the standard
    encoder, which escapes what ``orjson`` leaves as UTF-8 and DEL, and takes what ``orjson``
    refuses (lone surrogates)."""
    try:
        fast = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        pass
    else:
        if fast.isascii() and b"\x7f" not in fast:
            return fast
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


_DIGEST_FIELDS = tuple(
    f.name
    for f in fields(ConsentChoice)
    if f.name not in ("record_key", "config_digest", "variant")
)


def stable_record_id(secret: str, public_key: str, choice: ConsentChoice) -> str:
    """The same id for the same record sent again, another id for any other content.

    Keyed on the widget's ``record_key`` *and* the digest of what was chosen: a retry of one
    record keeps its id (services drop it as a duplicate), while a different choice sent under
    the same ``consent_id`` and ``record_key`` gets an id of its own instead of being dropped.
    Keyed with a server secret, so a page cannot choose another visitor's record id.
    """
    assert choice.record_key is not None
    parts = (public_key, choice.consent_id, choice.record_key, choice_digest(choice))
    message = "\x1f".join(parts).encode()
    return "cr_" + hmac.digest(secret.encode(), message, "sha256").hex()[:28]
