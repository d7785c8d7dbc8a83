"""What decoded JSON may hold, checked once for every body and every stored setting.

JSON can carry what no field of the gateway has a use for and what breaks code further on: lone
surrogates (``"\\ud800"``) are not Unicode scalar values, so encoding them to UTF-8 fails wherever
a string is written; NUL and ESC are never text; nesting thousands deep exhausts recursion in
every encoder. :func:`tree_problems` walks a decoded value without recursion and lists what it
finds, naming only top-level fields the caller knows (never a name a client made up).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

MAX_DEPTH = 32
# Lone surrogates, and the two control characters that are never text anywhere.
_NEVER = re.compile("[\x00\x1b\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# In a URL every C0/C1 control character and DEL is out of place (WHATWG URL strips or refuses).
_URL_CONTROL = re.compile("[\x00-\x20\x7f-\x9f]")


def string_problem(value: str) -> str | None:
    """The per-field code of what is wrong with ``value``, or None."""
    found = _NEVER.search(value)
    if found is None:
        return None
    return "invalid_unicode" if _SURROGATE.match(found.group()) else "control_character"


def url_has_control(value: str) -> bool:
    """Whether ``value`` holds a space or control character, which no URL may."""
    return _URL_CONTROL.search(value) is not None


def too_deep(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Whether containers in ``value`` nest deeper than ``max_depth``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def tree_problems(value: Any, known: Collection[str] = ()) -> list[dict[str, str]]:
    """Every string (keys included) in ``value`` that breaks :func:`string_problem`.

    Each problem is ``{"field", "pointer", "message", "code"}``; ``field`` is the top-level field
    it sits under when that field is in ``known``, else empty: a made-up name is never echoed.
    """
    problems: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    stack: list[tuple[Any, str]] = []
    if isinstance(value, dict):
        for name, child in value.items():
            stack.append((name, ""))
            stack.append((child, name if name in known else ""))
    else:
        stack.append((value, ""))
    while stack:
        item, field = stack.pop()
        if isinstance(item, str):
            code = string_problem(item)
            if code is not None and (field, code) not in seen:
                seen.add((field, code))
                where = "/" + field.replace("~", "~0").replace("/", "~1") if field else ""
                problems.append(
                    {"field": field, "pointer": where, "message": _MESSAGES[code], "code": code}
                )
        elif isinstance(item, dict):
            for name, child in item.items():
                stack.append((name, field))
                stack.append((child, field))
        elif isinstance(item, list):
            stack.extend((child, field) for child in item)
    return sorted(problems, key=lambda p: (p["field"], p["code"]))


_MESSAGES = {
    "invalid_unicode": "holds a lone surrogate, which is not a Unicode character",
    "control_character": "holds a control character (NUL or ESC)",
}
