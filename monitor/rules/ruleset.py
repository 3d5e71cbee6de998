"""Compiled rules and the immutable RuleSet (a reload swaps the whole set)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.models import Context, Severity
from monitor.rules.conditions import Condition, Outcome
from monitor.rules.schema import Examples
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
class RuleSet:
    rules: tuple[Rule, ...]
    digest: str  # hash of the rule files' bytes: tells a reload whether anything changed

    def __len__(self) -> int:
        return len(self.rules)
