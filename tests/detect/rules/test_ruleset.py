"""The rule set looks at the rules a text's words concern; every other rule could not have matched."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

from monitor.daemon.wiring import Knowledge
from monitor.detect.article_context import build_context
from monitor.detect.document import Document, prepare
from monitor.detect.rules.conditions import Memo
from monitor.detect.rules.ruleset import RuleSet
from monitor.detect.scoring import assess
from monitor.models import Context, Source, SourceKind, Thresholds


def test_a_rule_left_out_of_the_candidates_does_not_match(knowledge_rules: RuleSet, scored: list[tuple[Document, Context]]) -> None:
    """Over the development texts: the rules that match are the same whether every rule is
    evaluated or only the candidates (by their words, and by their words and gates), and the
    candidates are in the pack's order."""
    looked_at = gated_looked_at = 0
    for document, context in scored:
        candidates = knowledge_rules.candidates(context.concepts)
        gated = knowledge_rules.candidates(context.concepts, knowledge_rules.gates.passing(document, context, Memo()))
        every = [r.id for r in knowledge_rules.rules if r.evaluate(document, context).matched]
        assert [r.id for r in candidates if r.evaluate(document, context).matched] == every
        assert [r.id for r in gated if r.evaluate(document, context).matched] == every
        order = [knowledge_rules.rules.index(r) for r in candidates]
        assert order == sorted(order)
        assert set(gated) <= set(candidates)
        looked_at += len(candidates)
        gated_looked_at += len(gated)
    assert gated_looked_at < looked_at < len(scored) * len(knowledge_rules.rules)


def test_every_candidate_holds_all_it_needs(knowledge_rules: RuleSet, scored: list[tuple[Document, Context]]) -> None:
    """A rule is filed under one of its clauses, and a candidate holds every other clause too:
    scoring evaluates a candidate's condition without asking again."""
    for _, context in scored:
        candidates = knowledge_rules.candidates(context.concepts)
        assert candidates == [r for r in knowledge_rules.rules if context.concepts.holds(r.needs)]


def test_a_text_the_pack_has_no_word_for_is_looked_at_by_the_rules_that_need_nothing(knowledge: Knowledge) -> None:
    document = prepare("Weather", "Qzx vvq zzb, qqr xxv.")
    context = build_context(document, Source.standing_in("s", SourceKind.STATE_MEDIA, "RU"), datetime(2024, 9, 25, tzinfo=UTC), knowledge.gazetteer, knowledge.calendar, "en")
    rules = knowledge.rules
    assert rules.candidates(rules.read(document, context).concepts) == [r for r in rules.rules if not r.needs]


def test_rules_that_need_nothing_are_always_candidates(knowledge_rules: RuleSet, scored: list[tuple[Document, Context]]) -> None:
    always = [r for r in knowledge_rules.rules if not r.needs]
    assert always
    for _, context in scored[:20]:
        assert set(always) <= set(knowledge_rules.candidates(context.concepts))


def test_a_filter_whose_lists_are_absent_holds_nowhere(knowledge_rules: RuleSet, scored: list[tuple[Document, Context]]) -> None:
    """A filter's needs are a necessary condition, as a rule's: skipping it changes no outcome."""
    assert any(f.needs for f in knowledge_rules.filters)
    for document, context in scored:
        for flt in knowledge_rules.filters:
            assert flt.evaluate(document, context) == flt.condition.evaluate(document, context)


def test_one_memo_shared_by_every_rule_and_filter_of_a_text_changes_no_outcome(knowledge_rules: RuleSet, scored: list[tuple[Document, Context]]) -> None:
    """Scoring shares one memo among the rules and filters of a document: each outcome is the one the rule has alone."""
    for document, context in scored:
        memo = Memo()
        for owner in (*knowledge_rules.rules, *knowledge_rules.filters):
            assert owner.evaluate(document, context, memo) == owner.evaluate(document, context)


def test_a_rule_set_pickles_and_scores_the_same(knowledge_rules: RuleSet, scored: list[tuple[Document, Context]]) -> None:
    """The pack's matcher is rebuilt from its phrases when unpickled (its automaton does not pickle)."""
    copy = pickle.loads(pickle.dumps(knowledge_rules))
    for document, context in scored[:30]:
        assert assess(document, context, copy, Thresholds()) == assess(document, context, knowledge_rules, Thresholds())

