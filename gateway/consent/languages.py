"""The languages a visitor asks the banner for, from the config request's ``lang`` query value.

The widget sends its ``data-lang``, the page's ``lang`` and the browser's languages, best first;
which of them the config speaks is :func:`gateway.consent.config.pick_language`'s answer.
"""

from __future__ import annotations

import re

MAX_WANTED = 10
_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")


def parse_languages(value: str | None) -> list[str]:
    """The visitor's languages, best first, from a comma-separated ``lang`` query value."""
    out = []
    for part in (value or "").split(",")[:MAX_WANTED]:
        tag = part.strip().lower().replace("_", "-")
        if len(tag) <= 35 and _TAG.fullmatch(tag):
            out.append(tag)
    return out
