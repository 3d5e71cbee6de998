"""/metrics' content: counts as the work is done, and what the database and the rules say when scraped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from monitor.daemon.metrics import Metrics
from monitor.detect.rules.ruleset import RuleSet
from monitor.store.records import SourceStatus

NOW = datetime(2024, 9, 25, 12, tzinfo=UTC)
RULES = RuleSet((), "0123456789abcdef")


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_the_last_change_of_the_rule_files_is_kept_with_its_result() -> None:
    metrics = Metrics()
    metrics.reloaded("rejected")
    metrics.reloaded("unchanged")  # a check that found nothing new leaves the last change as it was
    seen = samples(metrics)
    assert seen[("monitor_rule_reloads_total", (("result", "unchanged"),))] == 1
    assert ("monitor_rules_last_reload", (("result", "rejected"),)) in seen
    metrics.reloaded("reloaded")
    seen = samples(metrics)
    assert [labels for name, labels in seen if name == "monitor_rules_last_reload"] == [(("result", "reloaded"),)]


def test_source_ages_and_the_rules_in_force_are_read_when_scraped() -> None:
    states = {"a": SourceStatus("a", last_success_at=NOW - timedelta(minutes=10)), "never": SourceStatus("never")}
    metrics = Metrics()
    metrics.watch(lambda: states, lambda: RULES, lambda: NOW)
    seen = samples(metrics)
    assert seen[("monitor_source_last_success_age_seconds", (("source", "a"),))] == 600
    assert not any(name == "monitor_source_last_success_age_seconds" and labels == (("source", "never"),) for name, labels in seen)
    assert seen[("monitor_rules_loaded", (("version", "0123456789ab"),))] == 0


def test_a_database_that_cannot_be_read_leaves_the_ages_out_not_the_counts() -> None:
    def gone() -> dict[str, SourceStatus]:
        raise ConnectionError("the database is down")

    metrics = Metrics()
    metrics.watch(gone, lambda: RULES, lambda: NOW)
    metrics.alerts.labels("critical").inc()
    seen = samples(metrics)
    assert seen[("monitor_alerts_total", (("severity", "critical"),))] == 1
    assert not any(name == "monitor_source_last_success_age_seconds" for name, _ in seen)
