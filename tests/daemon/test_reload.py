"""Rules reload without a restart: a sound change is taken whole, a broken one keeps the old rules and alerts."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from monitor.daemon.scheduler import build_scheduler, reload_job
from monitor.daemon.wiring import Monitor
from monitor.models import RetryPolicy
from monitor.store.engine import ensure_schema
from testbed.builders import write_sources
from testbed.settings import make_settings
from tests.conftest import ROOT

NEW_RULE = """\
rules:
  - id: extra-test-rule
    title: A rule added while the daemon runs
    severity: low
    weight: 0.5
    match: {phrases: [zzzunique]}
    examples: {match: [{text: zzzunique}], no_match: [{text: nothing}]}
"""


def monitor_with_own_rules(tmp_path: Path, clock) -> tuple[Monitor, Path]:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    write_sources(tmp_path / "sources.yaml")
    monitor = Monitor(make_settings(tmp_path, rules_dir=rules), clock)
    ensure_schema(monitor.engine)
    return monitor, rules


def test_a_sound_change_is_taken_whole(tmp_path: Path, clock) -> None:
    """A new valid rule file with passing examples is in force after the next check."""
    monitor, rules = monitor_with_own_rules(tmp_path, clock)
    with monitor:
        before = monitor.deps.rules()
        assert reload_job(monitor.rulebook, monitor.deps).status == "unchanged"
        (rules / "zz-extra.yaml").write_text(NEW_RULE, encoding="utf-8")
        assert reload_job(monitor.rulebook, monitor.deps).status == "reloaded"
        after = monitor.deps.rules()
        assert len(after) == len(before) + 1 and "extra-test-rule" in {r.id for r in after.rules}


def test_a_broken_change_keeps_the_old_rules_and_raises_one_operational_alert(tmp_path: Path, clock, caplog) -> None:
    """An invalid file or a failing example leaves the rules in force, logs every problem and alerts once."""
    monitor, rules = monitor_with_own_rules(tmp_path, clock)
    with monitor:
        before = monitor.deps.rules()
        (rules / "zz-extra.yaml").write_text(NEW_RULE.replace("severity: low", "severity: urgent"), encoding="utf-8")
        (rules / "zz-failing.yaml").write_text(NEW_RULE.replace("extra-test-rule", "failing-rule").replace("match: [{text: zzzunique}]", "match: [{text: absent}]"), encoding="utf-8")

        first = reload_job(monitor.rulebook, monitor.deps)
        second = reload_job(monitor.rulebook, monitor.deps)

        assert first.status == "rejected" and second.status == "still_rejected"
        assert any("zz-extra.yaml:4: rules[0].severity" in p for p in first.problems)
        assert monitor.deps.rules() is before
        assert any("rule change rejected" in r.getMessage() and "severity" in r.getMessage() for r in caplog.records)
        (alert,) = monitor.deps.store.alerts()
        assert alert.kind == "operational" and "previous rules stay in force" in alert.title
        assert "severity" in alert.body and alert.deliveries == (("log", "pending", 0, None),)

        (rules / "zz-extra.yaml").unlink()
        (rules / "zz-failing.yaml").unlink()
        assert reload_job(monitor.rulebook, monitor.deps).status == "unchanged"


def test_the_daemon_checks_for_rule_changes_on_a_schedule(tmp_path: Path, clock) -> None:
    """The scheduler has a reload job at the configured interval."""
    monitor, _ = monitor_with_own_rules(tmp_path, clock)
    with monitor:
        scheduler = build_scheduler(monitor.enabled_sources, monitor.deps, timedelta(seconds=30), RetryPolicy(), monitor.rulebook, timedelta(seconds=10))
        job = scheduler.get_job("reload-rules")
    assert job.trigger.interval == timedelta(seconds=10)


def test_a_change_whose_example_fails_is_rejected(tmp_path: Path, clock) -> None:
    """A valid file whose own example does not hold is not taken either."""
    monitor, rules = monitor_with_own_rules(tmp_path, clock)
    with monitor:
        (rules / "zz-failing.yaml").write_text(NEW_RULE.replace("match: [{text: zzzunique}]", "match: [{text: absent}]"), encoding="utf-8")
        outcome = reload_job(monitor.rulebook, monitor.deps)
    assert outcome.status == "rejected"
    assert any("rule extra-test-rule" in p and "example not matched: absent" in p for p in outcome.problems)
    assert any("zz-failing.yaml:7: rule extra-test-rule: example not matched: absent (examples-pass)" in p for p in outcome.problems)


def test_a_change_a_validator_finds_an_error_in_is_rejected(tmp_path: Path, clock) -> None:
    """A reload holds the pack to the validators of `monitor rules check`: a mistyped family blocks it."""
    monitor, rules = monitor_with_own_rules(tmp_path, clock)
    with monitor:
        (rules / "zz-extra.yaml").write_text(NEW_RULE.replace("weight: 0.5", "weight: 0.5\n    tags: [ei:EI-1]"), encoding="utf-8")
        outcome = reload_job(monitor.rulebook, monitor.deps)
    assert outcome.status == "rejected"
    assert [p for p in outcome.problems if "zz-extra.yaml:2: rule extra-test-rule: tag 'ei:EI-1'" in p and "(family-tag-known)" in p]


def test_a_sound_change_with_warnings_is_taken_and_its_warnings_logged(tmp_path: Path, clock, caplog) -> None:
    """Warnings block nothing; they are logged once, with the file and line of the rule."""
    monitor, rules = monitor_with_own_rules(tmp_path, clock)
    with monitor:
        (rules / "zz-extra.yaml").write_text(NEW_RULE, encoding="utf-8")
        assert reload_job(monitor.rulebook, monitor.deps).status == "reloaded"
    logged = [r.getMessage() for r in caplog.records if "rule change taken with a warning" in r.getMessage()]
    assert any("zz-extra.yaml:2: rule extra-test-rule:" in m and "(examples-each-way)" in m for m in logged)
    assert any("(family-tag-present)" in m for m in logged)
