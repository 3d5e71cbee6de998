"""Context gates: what a rule asks of the source and the calendar before it looks at the text.

Most rules open with such conditions (``all`` checks them first): the source's kind, country or
language, an election window. On most texts most rules fail there. The gates of a pack are few
once windows are set aside that differ only by how many days ahead they reach: on a given text such
windows come to the same outcome wherever they take in the same votes. So the rules are grouped by
the rest of their gate and the shape of their window; on a text, each group is worked out once for
each set of votes its windows take in, and its rules pass or fail by slices, not one by one. A pack
ten times the size costs a few more slices, not ten times the checks.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.detect.document import Document
from monitor.detect.rules.conditions import CONTEXT_CONDITIONS, AllOf, Condition, ElectionWindow, Memo
from monitor.models import Context


@dataclass(frozen=True)
class _Group:
    """Rules whose gates are the same but for how far ahead their window reaches."""

    checks: tuple[Condition, ...]  # the gate's conditions but the window, the same for every rule of the group
    befores: tuple[int, ...]  # each window's ``before``, ascending (empty: the gate has no window)
    windows: tuple[ElectionWindow, ...]  # in the same order
    positions: tuple[int, ...]  # the rules' places in the pack, in the same order


class Gates:
    """The gates of a pack's rules, grouped. Immutable once built."""

    def __init__(self, conditions: Iterable[Condition]) -> None:
        """``conditions``: the rules' conditions, in pack order."""
        grouped: dict[tuple[tuple[Condition, ...], object], list[tuple[int, ElectionWindow | None, int]]] = {}
        for position, condition in enumerate(conditions):
            checks, window = _gate(condition)
            shape = None if window is None else (window.window.after, window.window.foreign, window.window.between_rounds, window.window.mentions)
            grouped.setdefault((checks, shape), []).append((window.window.before if window else 0, window, position))
        self._groups = tuple(self._group(checks, members) for (checks, _), members in grouped.items())

    @staticmethod
    def _group(checks: tuple[Condition, ...], members: list[tuple[int, ElectionWindow | None, int]]) -> _Group:
        members.sort(key=lambda member: (member[0], member[2]))
        windows = tuple(window for _, window, _ in members if window is not None)
        befores = tuple(before for before, _, _ in members) if windows else ()
        return _Group(checks, befores, windows, tuple(position for _, _, position in members))

    def passing(self, document: Document, context: Context, memo: Memo) -> set[int]:
        """The places in the pack of the rules whose gate holds on this text."""
        passed: set[int] = set()
        for group in self._groups:
            if not all(check.evaluate(document, context, memo).matched for check in group.checks):
                continue
            if not group.windows:
                passed.update(group.positions)
                continue
            # The windows whose ``before`` lies between the same two votes' days take in the same votes.
            days, befores, start = memo.days(context), group.befores, 0
            while start < len(befores):
                after = bisect_right(days, befores[start])  # the first vote this window does not reach
                end = bisect_left(befores, days[after], lo=start) if after < len(days) else len(befores)
                if group.windows[start].evaluate(document, context, memo).matched:
                    passed.update(group.positions[start:end])
                start = end
        return passed


def _gate(condition: Condition) -> tuple[tuple[Condition, ...], ElectionWindow | None]:
    """A rule's gate: the context conditions of its ``all`` (a condition of another kind has none),
    the window apart when it has exactly one."""
    if not isinstance(condition, AllOf):
        return (), None
    gate = [part for part in condition.parts if isinstance(part, CONTEXT_CONDITIONS)]
    windows = [part for part in gate if isinstance(part, ElectionWindow)]
    if len(windows) != 1:
        return tuple(gate), None
    return tuple(part for part in gate if part is not windows[0]), windows[0]
