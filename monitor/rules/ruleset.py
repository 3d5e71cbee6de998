"""Compiled rules and the immutable RuleSet (a reload swaps the whole set)."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from monitor.models import Context, Severity
from monitor.rules.conditions import Condition, Outcome
from monitor.rules.schema import Examples, FilterExamples
from monitor.textmatch import Document


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
    examples: Examples
    path: str  # the file it came from

    def evaluate(self, document: Document, context: Context) -> Outcome:
        return self.condition.evaluate(document, context)


@dataclass(frozen=True)
class Filter:
    """Known false positives: when the condition holds, the rules it names do not count."""

    id: str
    title: str
    rule_patterns: tuple[str, ...]
    condition: Condition
    examples: FilterExamples
    path: str

    def covers(self, rule_id: str) -> bool:
        return any(fnmatchcase(rule_id, pattern) for pattern in self.rule_patterns)

    def evaluate(self, document: Document, context: Context) -> Outcome:
        return self.condition.evaluate(document, context)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    digest: str  # hash of the rule files' bytes: tells a reload whether anything changed
    filters: tuple[Filter, ...] = ()

    def __len__(self) -> int:
        return len(self.rules)
