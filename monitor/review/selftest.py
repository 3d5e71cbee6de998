"""The pack tests itself: the examples of every rule and filter (texts each must match and
texts it must not), and the validators of ``monitor.detect.rules.validators``.

``checked_rules`` is the gate a changed pack passes: `monitor rules check`, a reload of the rules
in force, and the candidate of `monitor backtest`. The daemon's start only loads the rules (their
files and schema), so that starting stays fast; run `monitor rules check` before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from monitor.detect.article_context import build_context
from monitor.detect.countries import Gazetteer
from monitor.detect.document import prepare
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.loader import load_rules
from monitor.detect.rules.ruleset import Filter, Rule, RuleExample, RuleSet
from monitor.detect.rules.schema import Example
from monitor.detect.rules.validators import (
    DEFAULT_VALIDATORS,
    Issue,
    IssueSeverity,
    Validator,
    raise_errors,
    validate_pack,
    warnings,
)
from monitor.models import Source

# An example without a date is published far from every election in the calendar.
NO_ELECTION_DAY = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ExampleResult:
    owner: Rule | Filter
    expected: bool
    item: RuleExample
    matched: bool

    @property
    def example(self) -> Example:
        return self.item.example

    @property
    def passed(self) -> bool:
        return self.matched == self.expected

    @property
    def kind(self) -> str:
        return "rule" if isinstance(self.owner, Rule) else "filter"

    @property
    def where(self) -> str:
        """``rules/ei06-threat.yaml:120``: the example's item in its owner's file."""
        return self.owner.path if self.item.line is None else f"{self.owner.path}:{self.item.line}"


def run_example(owner: Rule | Filter, example: Example, rules: RuleSet, gazetteer: Gazetteer, calendar: ElectionCalendar) -> bool:
    published = datetime.combine(example.published, time(12), tzinfo=UTC) if example.published else NO_ELECTION_DAY
    source = Source.standing_in(example.source_id, example.source_kind, example.source_country)
    document = prepare(example.title, example.text)
    context = build_context(document, source, published, gazetteer, calendar, example.language)
    return owner.evaluate(document, rules.read(document, context)).matched


def run_examples(rules: RuleSet, gazetteer: Gazetteer, calendar: ElectionCalendar) -> list[ExampleResult]:
    results = []
    owners: list[Rule | Filter] = [*rules.rules, *rules.filters]
    for owner in owners:
        for expected, items in ((True, owner.examples.match), (False, owner.examples.no_match)):
            for item in items:
                results.append(ExampleResult(owner, expected, item, run_example(owner, item.example, rules, gazetteer, calendar)))
    return results


class ExamplesPass(Validator):
    """A rule is what its examples say it is: one that does not hold them is wrong, whatever its file says."""

    id = "examples-pass"
    severity = IssueSeverity.ERROR
    description = "every example of every rule and filter holds (what `monitor rules test` runs)"

    def __init__(self, gazetteer: Gazetteer, calendar: ElectionCalendar) -> None:
        self._gazetteer = gazetteer
        self._calendar = calendar

    def check(self, pack: RuleSet) -> Iterator[Issue]:
        for result in run_examples(pack, self._gazetteer, self._calendar):
            if not result.passed:
                text = " ".join(result.example.text.split())[:80]
                yield self.issue(result.owner, f"example {'not matched' if result.expected else 'matched'}: {text}", result.item.line)


def pack_validators(gazetteer: Gazetteer, calendar: ElectionCalendar) -> tuple[Validator, ...]:
    """Every check a pack is held to: the default validators and its own examples."""
    return (*DEFAULT_VALIDATORS, ExamplesPass(gazetteer, calendar))


def check_pack(rules: RuleSet, gazetteer: Gazetteer, calendar: ElectionCalendar) -> tuple[Issue, ...]:
    """The issues of a loaded pack; RuleError lists its errors, if it has any. Returns the warnings."""
    issues = validate_pack(rules, pack_validators(gazetteer, calendar))
    raise_errors(issues)
    return tuple(warnings(issues))


def checked_rules(directory: Path, gazetteer: Gazetteer, calendar: ElectionCalendar) -> tuple[RuleSet, tuple[Issue, ...]]:
    """Load the rules of ``directory`` and hold them to every check; RuleError lists every error
    (of the files, or of the validators), else the rules and the warnings."""
    rules = load_rules(directory)
    return rules, check_pack(rules, gazetteer, calendar)
