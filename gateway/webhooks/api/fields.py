"""Reading an endpoint's fields from a request body; every problem named by field and code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway import problems as rule
from gateway.problems import Problems
from gateway.webhooks.model import EVENT_TYPES
from gateway.webhooks.urls import UrlPolicy, UrlRefused, check

FIELDS = ("url", "events", "description", "enabled")
MAX_DESCRIPTION = 200


async def endpoint_fields(
    body: Mapping[str, Any], policy: UrlPolicy, *, partial: bool
) -> dict[str, Any]:
    """The endpoint fields of ``body`` (all of them required unless ``partial``), checked;
    raises :class:`~gateway.errors.InvalidPayload` listing every problem."""
    found = Problems()
    out: dict[str, Any] = {}
    # Made-up names are the client's own text: counted, never repeated back.
    found.unknown("", set(body) - set(FIELDS))
    if "url" in body:
        url = body["url"]
        if not isinstance(url, str):
            found.add("url", rule.WRONG_TYPE, "must be a string")
        else:
            try:
                await check(url, policy)
            except UrlRefused as exc:
                found.add("url", rule.INVALID_FORMAT, f"the URL {exc}")
            else:
                out["url"] = url
    elif not partial:
        found.add("url", rule.MISSING, "required")
    if "events" in body:
        out["events"] = _events(body["events"], found)
    elif not partial:
        found.add("events", rule.MISSING, f"required: a list of {', '.join(EVENT_TYPES)}")
    if "description" in body:
        text = body["description"]
        if not isinstance(text, str):
            found.add("description", rule.WRONG_TYPE, "must be a string")
        elif len(text) > MAX_DESCRIPTION:
            found.add("description", rule.TOO_LONG, f"at most {MAX_DESCRIPTION} characters")
        else:
            out["description"] = text
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            found.add("enabled", rule.WRONG_TYPE, "must be true or false")
        else:
            out["enabled"] = body["enabled"]
    found.raise_if_any("The webhook endpoint needs attention.")
    return out


def _events(value: Any, found: Problems) -> list[str]:
    if not isinstance(value, list) or not value:
        found.add("events", rule.WRONG_TYPE, "must be a non-empty list of event types")
        return []
    kept: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in EVENT_TYPES:
            found.add(f"events.{index}", rule.NOT_AN_OPTION, f"one of {', '.join(EVENT_TYPES)}")
        elif item in kept:
            found.add(f"events.{index}", rule.DUPLICATE, "listed twice")
        else:
            kept.append(item)
    return kept
