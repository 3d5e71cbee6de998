"""Learned weights: bounded, regularised, placed so that false alerts stay rare on the training texts, and read by the loader."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from monitor.cli.main import main
from monitor.detect.rules.loader import load_rules
from monitor.detect.rules.weights import load_weights
from monitor.errors import RuleError
from monitor.review.tuning import FALSE_ALERT_TARGET, MAX_SHARE, Labelled, cross_validate, fit, weights_yaml
from testbed.settings import make_settings
from tests.conftest import ROOT

THRESHOLD = 4.0


def texts(rules: str, label: bool, count: int, factor: float = 1.0, content: bool = True) -> list[Labelled]:
    return [Labelled(label, frozenset(rules.split()), factor, "dev", content, f"{rules}-{label}-{n}") for n in range(count)]


def corpus() -> list[Labelled]:
    """"context" fires on nearly everything near a vote; "precise" only on true cases; "noisy" on both alike."""
    return [
        *texts("context precise", True, 30),
        *texts("context noisy", True, 10),
        *texts("context noisy", False, 10),
        *texts("context", False, 60, content=False),
        *texts("context precise noisy", True, 5),
        *texts("noisy", False, 20),
    ]


CURRENT = {"context": 1.0, "precise": 1.0, "noisy": 1.0, "never": 3.0}


def test_a_rule_that_fires_only_on_true_cases_weighs_more_than_one_that_fires_on_both() -> None:
    result = fit(corpus(), CURRENT, THRESHOLD).weights()
    assert result["precise"] > result["noisy"]
    assert result["context"] + result["precise"] >= THRESHOLD  # the precise indicator, near a vote, alerts


def test_weights_are_bounded_and_a_rule_that_never_fires_keeps_its_authors_weight() -> None:
    """With no text to learn from, a rule keeps the weight its file gives it, in the fitted scale."""
    result = fit(corpus(), CURRENT, THRESHOLD)
    assert all(0 <= r.weight <= MAX_SHARE * THRESHOLD for r in result.rules)
    weights = fit(corpus(), CURRENT | {"never": 1.0}, THRESHOLD).weights()
    assert 0 < weights["never"] < result.weights()["never"]


def test_the_threshold_keeps_false_alerts_at_the_target_on_the_training_texts() -> None:
    result = fit(corpus(), CURRENT, THRESHOLD)
    assert result.false_alert_rate <= FALSE_ALERT_TARGET
    assert result.recall >= 30 / 45


def test_hits_are_counted_per_rule_on_both_labels() -> None:
    by_rule = {r.rule_id: r for r in fit(corpus(), CURRENT, THRESHOLD).rules}
    assert (by_rule["noisy"].positives, by_rule["noisy"].negatives) == (15, 30)
    assert (by_rule["precise"].positives, by_rule["precise"].negatives) == (35, 0)


def test_the_weights_file_is_what_the_loader_reads(tmp_path: Path) -> None:
    """The file lists every rule with its hits; the loader puts its weights in place of the rules' own."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    (rules_dir / "weights.yaml").unlink(missing_ok=True)
    loaded = load_rules(rules_dir)
    some = loaded.rules[0].id
    result = fit(texts(some, True, 5) + texts(some, False, 5), {r.id: r.weight for r in loaded.rules}, THRESHOLD)
    (rules_dir / "weights.yaml").write_text(weights_yaml(result, date(2026, 12, 1)), encoding="utf-8")
    learned = load_weights(rules_dir)
    assert learned is not None and learned.trained == date(2026, 12, 1) and set(learned.weights) == {r.id for r in loaded.rules}
    assert "# hits: 5 should alert, 5 should not" in (rules_dir / "weights.yaml").read_text(encoding="utf-8")
    reloaded = load_rules(rules_dir)
    assert {r.id: r.weight for r in reloaded.rules} == learned.weights
    assert reloaded.digest != loaded.digest


def test_a_weight_for_a_rule_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    data = {"threshold": 4, "trained": "2026-12-01", "cases": 1, "verdicts": 0, "weights": {"renamed-rule": 2.0}}
    (rules_dir / "weights.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RuleError, match=r"renamed-rule.*no such rule"):
        load_rules(rules_dir)


def tuning_setup(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shipped rules without learned weights, and a small dev split: (rules, corpus)."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    (rules_dir / "weights.yaml").unlink(missing_ok=True)
    corpus_file = tmp_path / "eval" / "dev" / "cases.yaml"
    corpus_file.parent.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "eval" / "dev" / "positives.yaml", corpus_file)
    return rules_dir, tmp_path / "eval"


def test_rules_tune_prints_the_fit_and_writes_the_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules_dir, corpus = tuning_setup(tmp_path)
    settings = make_settings(tmp_path, rules_dir=rules_dir)
    assert main(["rules", "tune", str(corpus), "--dry-run"], settings=settings) == 0
    printed = capsys.readouterr().out
    assert "trained on" in printed and "+hits" in printed and not (rules_dir / "weights.yaml").exists()
    assert main(["rules", "tune", str(corpus)], settings=settings) == 0
    assert load_weights(rules_dir) is not None


def test_cross_validation_scores_each_episode_with_weights_it_did_not_train() -> None:
    """On held-out episodes the figures are those of texts never seen; on this clean corpus they stay high."""
    recall, false_alerts = cross_validate(corpus(), CURRENT, THRESHOLD)
    assert recall >= 30 / 45 and false_alerts <= 0.1


def test_rules_tune_runs_when_the_weights_file_names_rules_that_are_gone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A stale weights file fails `rules check`, but must not stop its own renewal."""
    rules_dir, corpus = tuning_setup(tmp_path)
    data = {"threshold": 4, "trained": "2026-12-01", "cases": 1, "verdicts": 0, "weights": {"renamed-rule": 2.0}}
    (rules_dir / "weights.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    settings = make_settings(tmp_path, rules_dir=rules_dir)
    assert main(["rules", "tune", str(corpus)], settings=settings) == 0
    assert "renamed-rule" not in (rules_dir / "weights.yaml").read_text(encoding="utf-8")
    assert main(["rules", "check"], settings=settings) == 0
