"""Checking that validation problems are typed: each names its field, rule code and message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.problems import FIELD_CODES


def assert_typed(problems: Sequence[Mapping[str, str]]) -> None:
    """Every problem is ``{field, code, message}`` with one of the documented per-field codes."""
    assert problems
    for problem in problems:
        assert set(problem) == {"field", "code", "message"}, problem
        assert problem["code"] in FIELD_CODES, problem
        assert problem["message"], problem
