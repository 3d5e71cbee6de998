"""A rule's gate (what its ``all`` asks of the source and the calendar) is checked by groups of
rules; a rule passes exactly when each of those conditions holds on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from pydantic import TypeAdapter

from monitor.daemon.wiring import Knowledge
from monitor.detect.article_context import build_context
from monitor.detect.document import Document, prepare
from monitor.detect.rules.conditions import CONTEXT_CONDITIONS, AllOf, Condition, Memo, compile_condition
from monitor.detect.rules.gates import Gates
from monitor.detect.rules.schema import ConditionSpec
from monitor.models import Context, Source, SourceKind
from tests.detect.rules.conftest import DevText, read
from tests.detect.rules.test_conditions import CALENDAR, GAZETTEER


def gate_holds(condition: Condition, document: Document, context: Context) -> bool:
    """The gate, one rule at a time: every context condition of a top-level ``all``."""
    if not isinstance(condition, AllOf):
        return True
    return all(part.evaluate(document, context).matched for part in condition.parts if isinstance(part, CONTEXT_CONDITIONS))


def compiled(*conditions_yaml: str) -> list[Condition]:
    return [compile_condition(TypeAdapter(ConditionSpec).validate_python(yaml.safe_load(text))) for text in conditions_yaml]


def context_of(document: Document, kind: SourceKind = SourceKind.OFFICIAL, published: date = date(2024, 9, 25)) -> Context:
    """A Belarusian source's context (gates look at no word of the text: no lexicon scan)."""
    source = Source(id="s", name="s", url="https://example.invalid/", kind=kind, country="BY")
    return build_context(document, source, datetime(published.year, published.month, published.day, 12, tzinfo=UTC), GAZETTEER, CALENDAR, "en")


WINDOWS = [3, 10, 17, 18, 19, 31, 32, 60, 123, 200]  # days ahead: Lithuania votes in 18 and 32 days, Belarus in 123


class TestWindowsThatDifferOnlyInReach:
    RULES = tuple(f"all: [{{source_kind: [official]}}, {{election_window: {{before: {days}}}}}, {{phrases: [vote]}}]" for days in WINDOWS)

    def test_a_window_passes_once_it_reaches_a_vote_of_a_country_the_text_is_about(self) -> None:
        conditions = compiled(*self.RULES)
        document = prepare("Lithuania", "Lithuania and Belarus: the vote in Lithuania is near.")
        context = context_of(document)
        passed = Gates(conditions).passing(document, context, Memo())
        assert [WINDOWS[p] for p in sorted(passed)] == [days for days in WINDOWS if days >= 18]
        assert passed == {p for p, c in enumerate(conditions) if gate_holds(c, document, context)}

    def test_the_rest_of_the_gate_fails_the_whole_group(self) -> None:
        conditions = compiled(*self.RULES)
        document = prepare("Lithuania", "The vote in Lithuania is near.")
        assert Gates(conditions).passing(document, context_of(document, SourceKind.NEWS), Memo()) == set()

    def test_no_vote_near_fails_every_window(self) -> None:
        conditions = compiled(*self.RULES)
        document = prepare("Lithuania", "The vote in Lithuania is near.")
        context = context_of(document, published=date(2023, 1, 1))
        assert Gates(conditions).passing(document, context, Memo()) == set()


def test_rules_without_a_gate_always_pass_and_two_windows_are_both_checked() -> None:
    conditions = compiled(
        "any: [{phrases: [vote]}, {source_kind: [news]}]",
        "phrases: [vote]",
        "all: [{election_window: {before: 20}}, {election_window: {before: 200, after: 10}}, {phrases: [vote]}]",
        "all: [{election_window: {before: 5}}, {election_window: {before: 200}}, {phrases: [vote]}]",
        "all: [{source_country: [BY]}, {language: [en]}, {phrases: [vote]}]",
        "all: [{source_country: [LT]}, {phrases: [vote]}]",
    )
    document = prepare("Lithuania", "The vote in Lithuania is near.")
    context = context_of(document)
    assert Gates(conditions).passing(document, context, Memo()) == {0, 1, 2, 4}


@pytest.mark.parametrize("days_later", [0, 45, -400])
@pytest.mark.parametrize("source", [Source.standing_in("s", SourceKind.STATE_MEDIA, "RU"), Source.standing_in("o", SourceKind.OFFICIAL, "LT"), Source.standing_in("n", SourceKind.NEWS, "DE")])
def test_over_the_shipped_pack_a_rule_passes_exactly_when_its_gate_holds(knowledge: Knowledge, dev_texts: list[DevText], source: Source, days_later: int) -> None:
    """The development texts, as read by several kinds of source at several dates (votes near and none)."""
    gates = knowledge.rules.gates
    passed_some = False
    for text in dev_texts:
        context = read(knowledge, text, source, text.published + timedelta(days=days_later))
        passed = gates.passing(text.document, context, Memo())
        assert passed == {p for p, rule in enumerate(knowledge.rules.rules) if gate_holds(rule.condition, text.document, context)}
        passed_some = passed_some or bool(passed)
    assert passed_some or source.kind is SourceKind.NEWS  # the shipped rules look at state sources


def test_a_memo_shared_with_the_gates_changes_no_rule_outcome(knowledge: Knowledge, dev_texts: list[DevText]) -> None:
    """The gates fill the memo the rules then read: each outcome is still the one the rule has alone."""
    for text in dev_texts[:60]:
        context = read(knowledge, text)
        memo = Memo()
        knowledge.rules.gates.passing(text.document, context, memo)
        for rule in knowledge.rules.rules:
            assert rule.evaluate(text.document, context, memo) == rule.evaluate(text.document, context)
