"""Compiled rules and the immutable RuleSet (a reload swaps the whole set).

Every rule, filter and example keeps the file and the line it was written on, so that whatever
finds fault with one later (a failing example at reload, a validator) can say where it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import cached_property

from monitor.detect.document import Document
from monitor.detect.rules.conditions import NO_MATCH, Condition, ConditionResult, Memo
from monitor.detect.rules.gates import Gates
from monitor.detect.rules.lexicon import EMPTY, Lexicon
from monitor.detect.rules.needs import Needs
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
    needs: Needs = ()  # what the text must hold for the rule to have a chance (needs.needs)
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
    needs: Needs = ()  # what the text must hold for the filter to have a chance (needs.needs)

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

    def candidates(self, concepts: Concepts, gated: set[int] | None = None) -> list[Rule]:
        """The rules that may match a text whose lexicon scan found ``concepts``, in pack order;
        ``gated``: only those of these places in the pack (``gates``: the rules whose source and
        window conditions hold).

        A rule that needs lists the scan did not find cannot match (``Rule.evaluate`` would
        say so at once); it is not even looked at: the cost of a text grows with the rules
        its words concern, not with the size of the pack.
        """
        always, by_name, others = self._index
        found = concepts.title.keys() | concepts.text.keys()
        chosen = set(always)
        for name in by_name.keys() & found:
            chosen.update(by_name[name])
        if gated is not None:
            chosen &= gated
        # Filed under one clause; every other clause must name a list found too (``Concepts.holds``).
        rules = self.rules
        return [rules[p] for p in sorted(chosen) if not others[p] or all(not clause.isdisjoint(found) for clause in others[p])]

    def covering(self, rule_id: str) -> tuple[Filter, ...]:
        """The filters that name the rule, in pack order: the first that holds on a text suppresses it."""
        return self._covering.get(rule_id, ())

    @cached_property
    def _covering(self) -> dict[str, tuple[Filter, ...]]:
        return {rule.id: covering for rule in self.rules if (covering := tuple(f for f in self.filters if f.covers(rule.id)))}

    @cached_property
    def gates(self) -> Gates:
        """The rules' context conditions, grouped to be checked a few at a time (``gates.Gates``)."""
        return Gates(rule.condition for rule in self.rules)

    @cached_property
    def _index(self) -> tuple[tuple[int, ...], dict[str, tuple[int, ...]], tuple[Needs, ...]]:
        """(the rules that need nothing, list name -> the rules one of whose clauses names it,
        each rule's other clauses).

        Each rule is filed under the names of one of its clauses, the one with fewest names:
        a rule none of those names was found for fails that clause. Most rules have one clause:
        being filed is then all they need.
        """
        always: list[int] = []
        by_name: dict[str, list[int]] = {}
        others: list[Needs] = []
        for position, rule in enumerate(self.rules):
            filed = min(rule.needs, key=len) if rule.needs else frozenset()
            others.append(tuple(clause for clause in rule.needs if clause is not filed))
            if not rule.needs:
                always.append(position)
            for name in filed:
                by_name.setdefault(name, []).append(position)
        return tuple(always), {name: tuple(positions) for name, positions in by_name.items()}, tuple(others)

    def __len__(self) -> int:
        return len(self.rules)
