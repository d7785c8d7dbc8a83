"""Checking that validation problems are typed: each names its field, rule code and message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.problems import FIELD_CODES


def assert_typed(problems: Sequence[Mapping[str, str]]) -> None:
    """Every problem is ``{field, pointer, code, message}`` (and ``count`` for unknown names)
    with one of the documented per-field codes, its pointer the same place as its field."""
    assert problems
    for problem in problems:
        assert set(problem) - {"count"} == {"field", "pointer", "code", "message"}, problem
        assert problem["code"] in FIELD_CODES, problem
        assert problem["message"], problem
        field, pointer = str(problem["field"]), str(problem["pointer"])
        assert pointer == "".join("/" + s for s in field.split(".") if s), problem
