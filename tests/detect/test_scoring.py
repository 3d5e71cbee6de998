"""Scoring: weights add up, the closeness of the vote raises them, filters remove known false positives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from monitor.detect.article_context import build_context
from monitor.detect.document import prepare
from monitor.detect.rules.loader import load_rules
from monitor.detect.scoring import assess
from monitor.models import Severity, Source, SourceKind, Thresholds
from tests.detect.rules.test_conditions import CALENDAR, GAZETTEER

PACK = """\
rules:
  - id: context
    title: Foreign state source near an election
    severity: low
    weight: 1
    match:
      all:
        - source_kind: [official, state_media]
        - election_window: {before: 60}
    examples: {match: [{text: Lithuania, published: 2024-09-25, source_country: BY}], no_match: [{text: Lithuania}]}
  - id: appeal
    title: Vote appeal
    severity: high
    weight: 4
    match:
      all:
        - phrases: [vote correctly]
        - election_window: {before: 60}
    examples: {match: [{text: Lithuanians must vote correctly, published: 2024-09-25, source_country: BY}], no_match: [{text: vote correctly}]}
filters:
  - id: debunk
    title: Debunks quote the appeal
    rules: [app*]
    match: {phrases: [debunk]}
  - id: fact-check
    title: Fact-checks quote the appeal
    rules: [appeal]
    match: {phrases: [fact check]}
"""


DEFAULT = Thresholds()


def score(text: str, published: date, thresholds: Thresholds = DEFAULT, tmp: Path | None = None):
    rules_dir = tmp / "rules"
    rules_dir.mkdir(exist_ok=True)
    (rules_dir / "pack.yaml").write_text(PACK, encoding="utf-8")
    rules = load_rules(rules_dir)
    source = Source(id="s", name="s", url="https://example.invalid/", kind=SourceKind.OFFICIAL, country="BY")
    document = prepare("", text)
    context = build_context(document, source, datetime.combine(published, datetime.min.time(), tzinfo=UTC), GAZETTEER, CALENDAR, "en")
    return assess(document, context, rules, thresholds)


def test_weights_add_up_and_the_closeness_of_the_vote_raises_them(tmp_path: Path) -> None:
    """Within 21 days of the vote the sum is multiplied by 1.25, within 7 days by 1.5, farther by 1."""
    far = score("Lithuanians must vote correctly.", date(2024, 8, 20), tmp=tmp_path)
    near = score("Lithuanians must vote correctly.", date(2024, 9, 25), tmp=tmp_path)
    eve = score("Lithuanians must vote correctly.", date(2024, 10, 10), tmp=tmp_path)
    assert (far.base_score, far.proximity_factor, far.score) == (5.0, 1.0, 5.0)
    assert (near.proximity_factor, near.score) == (1.25, 6.25)
    assert (eve.proximity_factor, eve.score, eve.severity) == (1.5, 7.5, Severity.HIGH)


def test_the_window_alone_stays_below_alert_level(tmp_path: Path) -> None:
    """A foreign state source near an election, with no content indicator, does not alert even on the eve."""
    result = score("Lithuania and Belarus discussed the border.", date(2024, 10, 10), tmp=tmp_path)
    assert result.matches and not result.alert and result.severity is Severity.LOW


def test_a_filter_removes_the_rules_it_names_and_says_so(tmp_path: Path) -> None:
    """A fact-check quoting the appeal keeps only the context rule; the suppression is in the explanation."""
    result = score("Fact check: the claim that Lithuanians must vote correctly is propaganda.", date(2024, 9, 25), tmp=tmp_path)
    assert [m.rule_id for m in result.matches] == ["context"]
    assert [(s.rule_id, s.filter_id) for s in result.suppressed] == [("appeal", "fact-check")]
    assert not result.alert


def test_the_first_filter_that_names_a_matching_rule_and_holds_suppresses_it(tmp_path: Path) -> None:
    """Filters are tried in the pack's order, and only for a rule that matches: one that does not
    hold on the text is passed over for the next that names the rule."""
    both = score("Fact check and debunk: the claim that Lithuanians must vote correctly.", date(2024, 9, 25), tmp=tmp_path)
    assert [(s.rule_id, s.filter_id) for s in both.suppressed] == [("appeal", "debunk")]
    nothing_to_suppress = score("A debunk of claims about Lithuania.", date(2024, 9, 25), tmp=tmp_path)
    assert [m.rule_id for m in nothing_to_suppress.matches] == ["context"] and not nothing_to_suppress.suppressed


def test_thresholds_come_from_configuration(tmp_path: Path) -> None:
    """Severity bands and the alerting severity are settings, not code."""
    strict = Thresholds(bands=((Severity.MEDIUM, 8.0), (Severity.HIGH, 12.0)), alert_at=Severity.HIGH, proximity=())
    result = score("Lithuanians must vote correctly.", date(2024, 9, 25), strict, tmp=tmp_path)
    assert (result.score, result.severity, result.alert) == (5.0, Severity.LOW, False)
