"""The evaluation corpus (tests/eval): it loads, it is balanced, its splits keep episodes whole; the
shipped rules meet the precision/recall floor on the first development set; the founding case fires
several indicator families; `monitor eval` prints the figures per split, language and family.

The floor (0.8) is below the target (0.9) on purpose: the rule pack evolves while the set stays
fixed. Do not tune the set to the rules, nor the rules to single texts of the set. The test split
(tests/eval/test) is written apart from the rules and never read while tuning them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.wiring import load_knowledge
from monitor.models import Match
from monitor.review.evaluation import EvalCase, Report, evaluate, load_cases
from testbed.settings import make_settings
from tests.conftest import ROOT

EVAL_DIR = ROOT / "tests" / "eval"
FIRST_SET = ("positives.yaml", "negatives.yaml")  # the first development set, which the floor holds on
FLOOR = 0.8
DOCUMENTED = {"C01", "C02", "C03", "C05", "C07", "C08", "C09", "C11", "C13", "C16", "C18", "C21", "C24", "C27", "C28"}
BOUNDARY_NO_ALERT = {"C02", "C05", "C21", "C27", "C28"}


@pytest.fixture(scope="module")
def cases() -> tuple[EvalCase, ...]:
    return load_cases(EVAL_DIR)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The shipped rules on the first development set."""
    settings = make_settings(tmp_path_factory.mktemp("eval"))
    knowledge = load_knowledge(settings)
    first = tuple(c for name in FIRST_SET for c in load_cases(EVAL_DIR / "dev" / name))
    return evaluate(first, knowledge.rules, knowledge.gazetteer, knowledge.calendar, settings.thresholds())


def _families(matches: Iterable[Match]) -> set[str]:
    """The distinct indicator families (ei:EI-NN tags) among the matches."""
    return {tag for match in matches for tag in match.tags if tag.startswith("ei:EI-")}


def test_every_case_loads_with_unique_ids_and_the_set_is_balanced(cases: tuple[EvalCase, ...]) -> None:
    files = sorted(EVAL_DIR.rglob("*.yaml"))
    assert {f.name for f in files} >= set(FIRST_SET)
    per_file = [load_cases(f) for f in files]
    assert sum(len(c) for c in per_file) == len(cases)
    ids = Counter(c.id for c in cases)
    assert not [i for i, n in ids.items() if n > 1], "case ids must be unique across files"
    positives = [c for c in cases if c.expected == "alert"]
    negatives = [c for c in cases if c.expected == "no_alert"]
    assert len(positives) >= 15
    assert len(negatives) >= len(positives)
    assert all(c.language for c in cases), "every case states its language"
    assert all(c.text.strip() for c in cases)


def test_documented_cases_are_all_present_with_the_agreed_labels(cases: tuple[EvalCase, ...]) -> None:
    by_case: dict[str, set[str]] = {}
    for c in cases:
        if c.case:
            by_case.setdefault(c.case, set()).add(c.expected)
    assert set(by_case) >= DOCUMENTED
    for case, labels in by_case.items():
        assert labels == ({"no_alert"} if case in BOUNDARY_NO_ALERT else {"alert"}), case


def test_precision_and_recall_meet_the_floor(report: Report) -> None:
    misses = ", ".join(f"{o.case.id} ({'missed' if o.expected else 'false alert'})" for o in report.misses)
    precision, recall = report.precision, report.recall
    assert precision >= FLOOR, f"precision {precision:.2f}; misses: {misses}"
    assert recall >= FLOOR, f"recall {recall:.2f}; misses: {misses}"


def test_founding_case_alerts_with_at_least_four_indicator_families(report: Report) -> None:
    founding = [o for o in report.outcomes if o.case.case == "C09"]
    assert len(founding) >= 3
    for outcome in founding:
        families = _families(outcome.assessment.matches)
        assert outcome.assessment.alert, outcome.case.id
        assert len(families) >= 4, f"{outcome.case.id}: {sorted(families)}"


def test_an_episode_is_never_split_between_dev_and_test(cases: tuple[EvalCase, ...]) -> None:
    """Texts of one episode (its relays, translations) are all in one split, so test figures are not dev figures."""
    splits: dict[str, set[str]] = {}
    for case in cases:
        splits.setdefault(case.unit, set()).add(case.split)
    assert [unit for unit, found in splits.items() if len(found) > 1] == []


def test_alert_texts_name_their_families_and_negatives_none(cases: tuple[EvalCase, ...]) -> None:
    """Per-family recall needs each alert text of the corpus to say which indicator families it bears."""
    corpus = [c for c in cases if c.episode]
    assert [c.id for c in corpus if c.expected == "alert" and not c.families] == []
    assert [c.id for c in corpus if c.expected == "no_alert" and c.families] == []


def write_split_set(folder: Path) -> Path:
    """A small corpus with a dev and a test file, in two languages."""
    (folder / "dev").mkdir(parents=True)
    (folder / "test").mkdir()
    case = (
        "  - {{id: {id}, episode: {episode}, expected: {expected}, families: {families}, published: 2024-09-26, "
        "source_kind: official, source_country: BY, language: {language}, title: '{title}', text: '{text}'}}\n"
    )
    founding = "Lithuanians, calmly and rationally assess the situation and vote correctly on 13 October. We offer a reset: cheap electricity and transit."
    (folder / "dev" / "a.yaml").write_text(
        "cases:\n"
        + case.format(id="d1", episode="e1", expected="alert", families="[EI-02, EI-03]", language="en", title="Reset with Lithuania", text=founding)
        + case.format(id="d2", episode="e2", expected="no_alert", families="[]", language="en", title="Potash exports grow", text="Belarus exported more potash this year."),
        encoding="utf-8",
    )
    (folder / "test" / "b.yaml").write_text(
        "cases:\n" + case.format(id="t1", episode="e3", expected="no_alert", families="[]", language="ru", title="Погода", text="Погода в Минске хорошая."),
        encoding="utf-8",
    )
    return folder


def test_monitor_eval_reports_each_split_language_and_family(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text and JSON: figures per split, per language and per indicator family, and the misses."""
    folder = write_split_set(tmp_path / "eval")
    settings = make_settings(tmp_path)
    assert main(["eval", str(folder), "--format", "json"], settings=settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["splits"]) == {"dev", "test"}
    assert report["splits"]["dev"]["positives"] == 1 and report["splits"]["test"]["cases"] == 1
    assert set(report["splits"]["dev"]["families"]) == {"EI-02", "EI-03"}
    assert set(report["splits"]["test"]["languages"]) == {"ru"}
    assert main(["eval", str(folder)], settings=settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("dev: 2 cases (1 should alert, 1 should not): recall ")
    assert "test, per language (recall, false alerts):" in out and "dev, per indicator family" in out
    assert "with the review tier: recall " in out


def test_the_review_tier_sees_at_least_what_alerts_see(report: Report) -> None:
    """Every alert is seen; items for review add to it, never take away."""
    for numbers in report.by_split().values():
        assert numbers.recall_with_review >= numbers.recall
        assert numbers.true_seen >= numbers.true_alerts


REQUIRED_LANGUAGES = {"en", "ru", "be", "uk", "lt", "lv", "et", "pl", "ro", "de", "fr", "es", "zh"}


def test_the_corpus_has_the_size_the_detection_issue_asks_for(cases: tuple[EvalCase, ...]) -> None:
    """At least 600 texts, 120 real episodes of interference (2016-2026, each with its source), as
    many texts that should not alert as texts that should, and every language the monitor is
    judged in (ka or hy among them)."""
    assert len(cases) >= 600
    real = {c.unit for c in cases if c.expected == "alert" and (c.source_url or c.case)}
    assert len(real) >= 120
    assert sum(c.expected == "no_alert" for c in cases) >= sum(c.expected == "alert" for c in cases)
    languages = {c.language for c in cases}
    assert languages >= REQUIRED_LANGUAGES and {"ka", "hy"} & languages
    assert all(2016 <= c.published.year <= 2026 for c in cases if c.episode)
    assert [c.id for c in cases if c.episode and c.expected == "alert" and not c.source_url] == []


def test_the_test_split_holds_at_least_thirty_percent_of_the_episodes(cases: tuple[EvalCase, ...]) -> None:
    """By episode, of all episodes and of those that should alert."""
    units: dict[str, tuple[str, bool]] = {}
    for case in cases:
        split, alert = units.get(case.unit, (case.split, False))
        units[case.unit] = (split, alert or case.expected == "alert")
    share = sum(split == "test" for split, _ in units.values()) / len(units)
    positives = [split for split, alert in units.values() if alert]
    assert share >= 0.3
    assert sum(split == "test" for split in positives) / len(positives) >= 0.3
