"""Regular expressions that cannot stall a run.

Two defences: a pattern whose shape can backtrack catastrophically is refused when the rules
load; and every match runs under a time limit (``conditions.REGEX_TIMEOUT``), for what the
check cannot see.

The check reads the pattern's tree (Python's own ``re`` parser) and looks at every part that
repeats more than ``REPEAT_BOUND`` times (``*``, ``+``, ``{n,}``, ``{n,m}`` with a large m). Such
a part is refused when it

- holds another repetition of variable length, through any depth of groups: ``(a+)+``,
  ``((a+))+``, ``(\\w*)*``, ``(?:\\w+\\s+)*``;
- holds alternatives that can start with the same character, or of which one can match empty
  text (so one alternative can match a prefix of another): ``(a|a)*``, ``(a|aa)+``,
  ``(ab|a)*``, ``(\\w|\\d)+``;
- can itself match empty text: ``(a?)*``, ``(a|)*``.

Each of these lets the engine split the same text between the repetitions in exponentially
many ways when a match fails. Possessive repetitions and atomic groups give nothing back, so
they are safe by construction and not refused.
"""

from __future__ import annotations

import itertools
import re._parser as sre_parse  # type: ignore[import-not-found]  # reads a pattern into a tree without compiling it
from collections.abc import Iterator
from functools import lru_cache
from re._constants import (  # type: ignore[import-not-found]
    ANY,
    ASSERT,
    ASSERT_NOT,
    AT,
    ATOMIC_GROUP,
    BRANCH,
    GROUPREF_EXISTS,
    IN,
    LITERAL,
    MAX_REPEAT,
    MAXREPEAT,
    MIN_REPEAT,
    NOT_LITERAL,
    POSSESSIVE_REPEAT,
    SUBPATTERN,
)
from typing import Any

import regex

FLAGS = regex.IGNORECASE | regex.V1

REPEAT_BOUND = 10
"""A part repeated at most this many times cannot multiply the work much: ``(?:\\w+\\s+){0,3}`` is fine."""

BACKTRACKS = "it can backtrack catastrophically"

_ANYTHING = "(?s:.)"
# Characters tried when asking whether two alternatives can start alike, besides every character
# of the pattern itself and its case variants: a few of each script and class the rules meet.
_SAMPLES = "aAzZ09_ -.,'\"!?\t\n\u00a0éßıİ" "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАЯїієґў" "ąčęėįšųūž" "αωΩ" "აბგ" "աբգ" "אב" "اب" "中文日本" "한국" "١٢"


def check_pattern(pattern: str) -> None:
    """Raise ValueError for a pattern that does not compile or whose shape can backtrack catastrophically."""
    try:
        regex.compile(pattern, FLAGS)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        raise ValueError(f"invalid regular expression: {exc}") from exc
    problem = backtracking_risk(pattern)
    if problem is not None:
        raise ValueError(problem)


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` can backtrack catastrophically, or None when its shape is safe."""
    text, classes = _translate(pattern)
    try:
        tree = sre_parse.parse(text)
    except (sre_parse.error, OverflowError, RecursionError, ValueError) as exc:
        return (
            f"the backtracking check cannot read this pattern ({exc}); "
            "write it with the syntax Python's re module understands (\\p{...} classes and [...] sets are fine)"
        )
    matcher = _Shapes(classes, pattern)
    return next(matcher.problems(tree), None)


def _translate(pattern: str) -> tuple[str, dict[str, str]]:
    """The pattern with every character class (``[...]``, ``\\w``, ``\\p{L}`` ...) replaced by one placeholder character.

    ``re``'s parser does not know the ``regex`` module's classes (``\\p{Georgian}``, nested
    sets), and the check only needs to know which characters a class holds, which the
    ``regex`` module answers for the original text. Each ``|`` is followed by an empty group
    so that the parser keeps every alternative as written: it would merge one-character
    alternatives (``\\w|[0-9]``) into one set, which the ``regex`` module does not do.
    """
    spare = (chr(code) for code in itertools.count(0xF0000) if chr(code) not in pattern)
    classes: dict[str, str] = {}
    out: list[str] = []

    def placeholder(token: str) -> None:
        char = next(spare)
        classes[char] = token
        out.append(char)

    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            kind = pattern[i + 1]
            if kind in "pP":
                close = pattern.find("}", i + 2) if pattern.startswith("{", i + 2) else i + 2
                end = (close if close >= 0 else n - 1) + 1
                placeholder(pattern[i:end])
                i = end
            elif kind in "wWdDsSX":
                placeholder(pattern[i : i + 2])
                i += 2
            elif kind in "mMG":  # the regex module's word start/end and search anchor: zero-width, like \b
                out.append("\\b")
                i += 2
            else:
                out.append(pattern[i : i + 2])
                i += 2
        elif char == "[":
            closing = _set_end(pattern, i)
            if closing is None:
                out.append(pattern[i:])
                break
            placeholder(pattern[i : closing + 1])
            i = closing + 1
        elif char == "|":
            out.append("|(?=)")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out), classes


def _set_end(pattern: str, start: int) -> int | None:
    """The index of the ``]`` that closes the set opened at ``start`` (sets nest, as in the regex module's V1)."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):  # a ] first in a set is a literal
        i += 1
    depth = 1
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


@lru_cache(maxsize=4096)
def _single(source: str) -> Any:
    return regex.compile(source, FLAGS)


class _Shapes:
    """Answers questions about a parsed pattern: what its parts can start with, where it repeats riskily."""

    def __init__(self, classes: dict[str, str], pattern: str) -> None:
        self._classes = classes
        plain = [c for c in pattern + _SAMPLES if c not in classes]
        variants = [v for c in plain for v in (c.lower(), c.upper()) if len(v) == 1]
        self._candidates = tuple(dict.fromkeys(plain + variants))  # the pattern's own characters first: the likeliest witness

    # -- where a repetition is risky --------------------------------------------------------

    def problems(self, tree: Any) -> Iterator[str]:
        for op, av in tree:
            if op in (MAX_REPEAT, MIN_REPEAT) and (av[1] == MAXREPEAT or av[1] > REPEAT_BOUND):
                yield from self._repeated(av[2])
            for child in _children(op, av):
                yield from self.problems(child)

    def _repeated(self, body: Any) -> Iterator[str]:
        if _inner_repeat(body):
            yield f"a repeated group holds another repetition (like (a+)+ or ((a+))+): {BACKTRACKS}; rewrite it without the nested repetition"
            return
        if self.first(body)[1]:
            yield f"a repeated part can match empty text (like (a?)* or (a|)*): {BACKTRACKS}; make every repetition consume text"
            return
        for alternatives in _branches(body):
            clash = self._clash(alternatives)
            if clash is not None:
                yield (
                    f"alternatives under a repetition can match the same text (like (a|a)* or (a|aa)+; here {clash}): "
                    f"{BACKTRACKS}; make the alternatives start with different characters, or factor out their common start"
                )
                return

    def _clash(self, alternatives: list[Any]) -> str | None:
        starts = [self.first(alternative) for alternative in alternatives]
        if any(nullable for _, nullable in starts):
            return "one alternative can match empty text, a prefix of every other"
        for (a, _), (b, _) in itertools.combinations(starts, 2):
            shared = self._overlap(a, b)
            if shared is not None:
                return f"two can start with {shared!r}"
        return None

    def _overlap(self, a: list[str], b: list[str]) -> str | None:
        for candidate in self._candidates:
            if any(_single(x).fullmatch(candidate) for x in a) and any(_single(y).fullmatch(candidate) for y in b):
                return candidate
        return None

    # -- what a part can start with ---------------------------------------------------------

    def first(self, sequence: Any) -> tuple[list[str], bool]:
        """The one-character patterns a sequence can start with, and whether it can match empty text."""
        items: list[str] = []
        for op, av in sequence:
            found, nullable = self._first_of(op, av)
            items.extend(found)
            if not nullable:
                return items, False
        return items, True

    def _first_of(self, op: Any, av: Any) -> tuple[list[str], bool]:
        if op is LITERAL:
            char = chr(av)
            return [self._classes.get(char, regex.escape(char))], False
        if op is NOT_LITERAL:
            return [f"[^{regex.escape(chr(av))}]"], False
        if op in (ANY, IN):  # every set was replaced by a placeholder; an IN left is read as anything
            return [_ANYTHING], False
        if op is SUBPATTERN:
            return self.first(av[3])
        if op is ATOMIC_GROUP:
            return self.first(av)
        if op is BRANCH:
            starts = [self.first(alternative) for alternative in av[1]]
            return [item for items, _ in starts for item in items], any(nullable for _, nullable in starts)
        if op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
            items, nullable = self.first(av[2])
            return items, nullable or av[0] == 0
        if op is GROUPREF_EXISTS:
            yes = self.first(av[1])
            no = self.first(av[2]) if av[2] is not None else ([], True)
            return yes[0] + no[0], yes[1] or no[1]
        if op in (ASSERT, ASSERT_NOT, AT):
            return [], True  # zero-width
        return [_ANYTHING], True  # a back reference, say: it can be anything, or empty


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-sequences of one node of the tree."""
    if op is SUBPATTERN:
        return [av[3]]
    if op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
        return [av[2]]
    if op is BRANCH:
        return list(av[1])
    if op is ATOMIC_GROUP:
        return [av]
    if op in (ASSERT, ASSERT_NOT):
        return [av[1]]
    if op is GROUPREF_EXISTS:
        return [part for part in av[1:] if part is not None]
    return []


def _backtracking_children(op: Any, av: Any) -> list[Any]:
    """Children whose choices the engine can revisit: not inside atomic groups, possessive repeats or lookarounds."""
    if op in (ATOMIC_GROUP, POSSESSIVE_REPEAT, ASSERT, ASSERT_NOT):
        return []
    return _children(op, av)


def _inner_repeat(sequence: Any) -> bool:
    """Whether the sequence holds, at any depth, a repetition of variable length that can take more than one step."""
    for op, av in sequence:
        if op in (MAX_REPEAT, MIN_REPEAT) and av[0] != av[1] and av[1] > 1:
            return True
        if any(_inner_repeat(child) for child in _backtracking_children(op, av)):
            return True
    return False


def _branches(sequence: Any) -> Iterator[list[Any]]:
    """The alternatives of every alternation in the sequence, at any depth."""
    for op, av in sequence:
        if op is BRANCH:
            yield list(av[1])
        for child in _backtracking_children(op, av):
            yield from _branches(child)
