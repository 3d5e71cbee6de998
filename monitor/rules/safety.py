"""Regular expressions that cannot stall a run.

Two defences: a pattern whose shape can backtrack catastrophically (a quantified group that
itself holds a quantifier or alternatives that can match the same text, such as ``(a+)+``,
``(\\w*)*`` or ``(a|a)*``) is refused when the rules load; and every match runs under a time
limit (``conditions.REGEX_TIMEOUT``), for what the check cannot see.
"""

from __future__ import annotations

import regex

FLAGS = regex.IGNORECASE | regex.V1

# A group that contains a quantifier (+, *, {n,}) and is itself followed by an unbounded
# quantifier: the classic shape of exponential backtracking.
_NESTED = regex.compile(r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,\}|\{\d+,\d+\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d*,\})")


def check_pattern(pattern: str) -> None:
    """Raise ValueError for a pattern that does not compile or that nests unbounded quantifiers."""
    try:
        regex.compile(pattern, FLAGS)
    except regex.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from exc
    if _NESTED.search(pattern):
        raise ValueError(
            "a quantified group holds a quantifier (like (a+)+): it can backtrack catastrophically; "
            "rewrite it without the nested repetition"
        )
