"""Feedback and backtesting: analysts mark alerts, see per-rule precision, and try rule changes on history."""

from __future__ import annotations

import json
import shutil
from itertools import chain
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from monitor.cli.main import main
from monitor.daemon.wiring import load_knowledge
from monitor.demo import demo_sources, serve_sample_site
from monitor.detect import prepared
from monitor.review.backtest import source_of
from monitor.store.engine import make_engine
from monitor.store.features import FEATURES
from monitor.store.repo import Store
from monitor.store.tables import Alert, Delivery, ItemFeatures
from testbed.builders import count_rows
from testbed.settings import make_settings
from tests.conftest import ROOT

DOMESTIC_RULE = """\
rules:
  - id: zz-every-vote-counts
    title: Any "every vote counts" (a deliberately bad rule)
    severity: high
    weight: 5
    match: {phrases: [every vote counts]}
    examples: {match: [{text: Every vote counts.}], no_match: [{text: Nothing.}]}
"""


@pytest.fixture
def history(tmp_path: Path, clock, receiver):
    """A database after one run on the sample site: 3 items, the founding case alerted."""
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path), notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook")
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    return settings


def rules_copy(tmp_path: Path, keep: list[str], extra: str | None = None) -> Path:
    directory = tmp_path / "candidate-rules"
    directory.mkdir(parents=True)
    shutil.copytree(ROOT / "rules" / "lexicons", directory / "lexicons")  # the rules' shared vocabulary
    for name in keep:
        shutil.copy(ROOT / "rules" / name, directory / name)
    if extra:
        (directory / "zz-extra.yaml").write_text(extra, encoding="utf-8")
    return directory


def test_marking_alerts_feeds_per_rule_precision(history, tmp_path: Path, clock, capsys) -> None:
    """`alerts mark` records a verdict; `rules stats` counts it against every rule of the alert."""
    (alert,) = Store(make_engine(history.database_url)).alerts()
    assert main(["alerts", "mark", str(alert.id), "--verdict", "fp", "--note", "test"], clock=clock, settings=history) == 0
    assert main(["alerts", "mark", "999", "--verdict", "tp"], clock=clock, settings=history) == 1
    capsys.readouterr()

    assert main(["rules", "stats", "--format", "json"], settings=history) == 0
    stats = {row["rule"]: row for row in json.loads(capsys.readouterr().out)}
    appeal = stats["ei02-vote-appeal-foreign"]
    assert (appeal["fired"], appeal["marked_true"], appeal["marked_false"], appeal["precision"]) == (1, 0, 1, 0.0)
    assert appeal["last_fired"].startswith("2024-09-25")


def test_a_backtest_reports_removed_alerts_with_their_verdicts_and_sends_nothing(history, tmp_path: Path, clock, receiver, capsys) -> None:
    """With only the timing rules, the founding case's alert would go: removed 1, marked false."""
    store = Store(make_engine(history.database_url))
    (alert,) = store.alerts()
    store.mark(alert.id, "fp", None, clock())
    posts_before, deliveries_before = len(receiver.hits("/hook", "POST")), count_rows(store, Delivery)
    candidate = rules_copy(tmp_path, ["ei01-timing.yaml"])

    assert main(["backtest", "--rules", str(candidate), "--format", "json"], settings=history) == 0

    out = capsys.readouterr()
    report = json.loads(out.out)
    assert (report["items"], report["alerts_before"], report["alerts_after"]) == (3, 1, 0)
    assert (report["added"], report["removed"], report["severity_changed"]) == (0, 1, 0)
    assert report["summary"] == "This change removes 1 alert, 1 of them marked false, adds 0, and changes the severity of 0."
    (change,) = report["changes"]
    assert (change["change"], change["before"], change["after"], change["verdict"], change["source"]) == ("removed", "critical", None, "fp", "demo-by-mfa")
    rules = {r["rule"]: (r["before"], r["after"]) for r in report["rules"]}
    assert rules["ei02-vote-appeal-foreign"] == (1, 0)
    assert "backtest: 3/3 items" in out.err
    assert len(receiver.hits("/hook", "POST")) == posts_before and count_rows(store, Delivery) == deliveries_before
    assert count_rows(store, Alert) == 1


def test_a_backtest_reports_added_alerts(history, tmp_path: Path, capsys) -> None:
    """A careless new rule shows up as the alerts it would add: the domestic call to vote."""
    candidate = rules_copy(tmp_path, [p.name for p in (ROOT / "rules").glob("*.yaml")], DOMESTIC_RULE)

    assert main(["backtest", "--rules", str(candidate)], settings=history) == 0

    out = capsys.readouterr().out
    assert "added 1, removed 0, severity changed 0" in out
    assert "zz-every-vote-counts" in out and "0 -> 1" in out
    assert "demo-lt-gov" in out and "Prime Minister urges every citizen to vote" in out


def test_an_unchanged_rule_set_changes_nothing(history, capsys) -> None:
    """The rules in force, backtested against their own history, add and remove nothing."""
    assert main(["backtest", "--rules", str(ROOT / "rules"), "--since", "2024-01-01", "--until", "2025-01-01"], settings=history) == 0
    assert "added 0, removed 0, severity changed 0" in capsys.readouterr().out


def test_a_candidate_is_held_to_the_checks_of_a_reload(history, tmp_path: Path, capsys) -> None:
    """A candidate whose example fails is refused (exit 2, file and line); its warnings go to standard error."""
    failing = rules_copy(tmp_path / "failing", ["ei01-timing.yaml"], DOMESTIC_RULE.replace("match: [{text: Every vote counts.}]", "match: [{text: Vote.}]"))
    assert main(["backtest", "--rules", str(failing)], settings=history) == 2
    assert f"{failing / 'zz-extra.yaml'}:7: rule zz-every-vote-counts: example not matched: Vote. (examples-pass)" in capsys.readouterr().err

    candidate = rules_copy(tmp_path / "warned", ["ei01-timing.yaml"], DOMESTIC_RULE)
    assert main(["backtest", "--rules", str(candidate), "--format", "json"], settings=history) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["items"] == 3  # standard output stays JSON
    assert f"warning: {candidate / 'zz-extra.yaml'}:2: rule zz-every-vote-counts: no indicator family tag (ei:EI-NN) (family-tag-present)" in out.err


def candidate_report(settings, candidate: Path, processes: int) -> str:
    return json.dumps(json.loads(_backtest_json(settings, candidate, processes)), sort_keys=True)


def _backtest_json(settings, candidate: Path, processes: int) -> str:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["backtest", "--rules", str(candidate), "--format", "json", "--processes", str(processes)], settings=settings) == 0
    return out.getvalue()


def test_the_pipeline_keeps_each_items_analysis_and_a_backtest_reads_it(history) -> None:
    """Every item stored by the pipeline has its analysis kept, and it is good for the rules' gazetteer."""
    store = Store(make_engine(history.database_url))
    knowledge = load_knowledge(history)
    rows = list(chain.from_iterable(store.history_batches(None, None)))
    assert len(rows) == 3 and all(kept is not None for _, kept in rows)
    digest = prepared.digest_of(knowledge.gazetteer)
    for item, kept in rows:
        source = source_of(item, {})
        assert source is not None and kept is not None
        read = prepared.decode(kept, digest, item.title, item.text, source, item.published_at, knowledge.calendar)
        assert read == prepared.analyse(item.title, item.text, source, item.published_at, knowledge.gazetteer, knowledge.calendar, item.language)


def test_a_backtest_gives_the_same_report_with_or_without_kept_analyses_on_one_or_two_processes(history, tmp_path: Path, capsys) -> None:
    """Kept analyses, none kept (items stored before they were), one process or two: one report."""
    candidate = rules_copy(tmp_path, [p.name for p in (ROOT / "rules").glob("*.yaml")], DOMESTIC_RULE)
    store = Store(make_engine(history.database_url))
    kept = candidate_report(history, candidate, 1)
    assert json.loads(kept)["added"] == 1
    assert candidate_report(history, candidate, 2) == kept
    with store.engine.begin() as connection:
        connection.execute(delete(FEATURES))  # as items stored before analyses were kept
    assert candidate_report(history, candidate, 2) == kept
    assert count_rows(store, ItemFeatures) == 3  # computed once, kept for the next run
    with store.engine.begin() as connection:
        connection.execute(update(FEATURES).values(data=b"stale or damaged"))
    assert candidate_report(history, candidate, 1) == kept
    assert all(kept is not None and kept != b"stale or damaged" for _, kept in chain.from_iterable(store.history_batches(None, None)))
    assert "backtest: 3/3 items" in capsys.readouterr().err
