"""Runs the examples of every rule and filter: texts each must match and texts it must not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from monitor.detect.article_context import build_context
from monitor.detect.countries import Gazetteer
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.ruleset import Filter, Rule, RuleSet
from monitor.detect.rules.schema import Example
from monitor.detect.textmatch import prepare
from monitor.models import Source

# An example without a date is published far from every election in the calendar.
NO_ELECTION_DAY = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ExampleResult:
    owner: Rule | Filter
    expected: bool
    example: Example
    matched: bool

    @property
    def passed(self) -> bool:
        return self.matched == self.expected

    @property
    def kind(self) -> str:
        return "rule" if isinstance(self.owner, Rule) else "filter"


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
        for expected, examples in ((True, owner.examples.match), (False, owner.examples.no_match)):
            for example in examples:
                results.append(ExampleResult(owner, expected, example, run_example(owner, example, rules, gazetteer, calendar)))
    return results
