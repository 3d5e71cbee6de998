"""Compiled rules and the immutable RuleSet (a reload swaps the whole set).

Every rule, filter and example keeps the file and the line it was written on, so that whatever
finds fault with one later (a failing example at reload, a validator) can say where it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import cached_property

from monitor.detect.document import Document
from monitor.detect.rules.conditions import NO_MATCH, Condition, ConditionResult, Memo, Needs
from monitor.detect.rules.lexicon import EMPTY, Lexicon
from monitor.detect.rules.schema import Example
from monitor.models import Concepts, Context, Severity


@dataclass(frozen=True)
class RuleExample:
    """An example of a rule or filter, and the line of its item in the owner's file."""

    example: Example
    line: int | None = None


@dataclass(frozen=True)
class ExampleSet:
    """The texts a rule or filter must match and those it must not, each with its line."""

    match: tuple[RuleExample, ...] = ()
    no_match: tuple[RuleExample, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    description: str
    status: str
    severity: Severity
    weight: float
    tags: tuple[str, ...]
    condition: Condition
    examples: ExampleSet
    path: str  # the file it came from
    needs: Needs = ()  # what the text must hold for the rule to have a chance (conditions.needs)
    declared_weight: float = 0.0  # the weight its file gives it; ``weight`` may be learned (rules/weights.yaml)
    line: int | None = None  # of the rule's item in its file
    languages: tuple[str, ...] = ()  # the languages its file says its phrases cover

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        """``memo``: shared by what is scored on the same document and context (``conditions.Memo``)."""
        if not context.concepts.holds(self.needs):
            return NO_MATCH
        return self.condition.evaluate(document, context, memo)


@dataclass(frozen=True)
class Filter:
    """Known false positives: when the condition holds, the rules it names do not count."""

    id: str
    title: str
    rule_patterns: tuple[str, ...]
    condition: Condition
    examples: ExampleSet
    path: str  # the file it came from
    line: int | None = None  # of the filter's item in its file
    needs: Needs = ()  # what the text must hold for the filter to have a chance (conditions.needs)

    def covers(self, rule_id: str) -> bool:
        return any(fnmatchcase(rule_id, pattern) for pattern in self.rule_patterns)

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        """``memo``: shared by what is scored on the same document and context (``conditions.Memo``)."""
        if not context.concepts.holds(self.needs):
            return NO_MATCH
        return self.condition.evaluate(document, context, memo)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    digest: str  # hash of the rule files' bytes: tells a reload whether anything changed
    filters: tuple[Filter, ...] = ()
    lexicon: Lexicon = EMPTY

    def read(self, document: Document, context: Context) -> Context:
        """The context with the places of every concept of the pack's lexicon (one scan of the text)."""
        return replace(context, concepts=self.lexicon.scan(document, context.language))

    def candidates(self, concepts: Concepts) -> list[Rule]:
        """The rules that may match a text whose lexicon scan found ``concepts``, in pack order.

        A rule that needs lists the scan did not find cannot match (``Rule.evaluate`` would
        say so at once); it is not even looked at: the cost of a text grows with the rules
        its words concern, not with the size of the pack.
        """
        always, by_name = self._index
        found = concepts.title.keys() | concepts.text.keys()
        chosen = set(always)
        for name in by_name.keys() & found:
            chosen.update(by_name[name])
        # Filed under one clause; every other clause must name a list found too (``Concepts.holds``).
        return [rule for rule in (self.rules[position] for position in sorted(chosen)) if all(not clause.isdisjoint(found) for clause in rule.needs)]

    @cached_property
    def _index(self) -> tuple[tuple[int, ...], dict[str, tuple[int, ...]]]:
        """(the rules that need nothing, list name -> the rules one of whose clauses names it).

        Each rule is filed under the names of one of its clauses, the one with fewest names:
        a rule none of those names was found for fails that clause.
        """
        always: list[int] = []
        by_name: dict[str, list[int]] = {}
        for position, rule in enumerate(self.rules):
            if not rule.needs:
                always.append(position)
                continue
            for name in min(rule.needs, key=len):
                by_name.setdefault(name, []).append(position)
        return tuple(always), {name: tuple(positions) for name, positions in by_name.items()}

    def __len__(self) -> int:
        return len(self.rules)
