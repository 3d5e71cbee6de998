"""Every command that prints takes `--format text|json`; in JSON, one document on standard output that a script reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monitor.cli.docs import leaf_commands
from monitor.cli.main import build_parser, main
from monitor.demo import demo_sources, serve_sample_site
from testbed.settings import make_settings
from tests.conftest import ROOT

# What the message itself is: `alerts preview --channel email` prints the e-mail's HTML.
RENDERS_A_MESSAGE = {("alerts", "preview")}


def test_every_command_that_prints_takes_format() -> None:
    for words, parser in leaf_commands(build_parser()):
        if words in RENDERS_A_MESSAGE:
            continue
        options = {option for action in parser._actions for option in action.option_strings}
        assert "--format" in options, " ".join(words)


def read_json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def alerted(tmp_path: Path, clock, capsys):
    """The founding case polled once (`run --once --format json`), its summary read back."""
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path))
        assert main(["run", "--once", "--format", "json"], clock=clock, settings=settings) == 0
    return settings, read_json(capsys)


def test_run_once_summarises_each_source_and_the_totals(alerted) -> None:
    _, summary = alerted
    assert summary["alerts"] == 1 and summary["failed"] == 0 and summary["deliveries_sent"] >= 1
    by_source = {poll["source"]: poll for poll in summary["sources"]}
    assert by_source["demo-by-mfa"]["alerts"] == 1 and by_source["demo-by-mfa"]["status"] == "ok"


def test_alerts_show_gives_the_stored_alert(alerted, clock, capsys) -> None:
    settings, _ = alerted
    assert main(["alerts", "show", "1", "--format", "json"], clock=clock, settings=settings) == 0
    alert = read_json(capsys)
    assert alert["id"] == 1 and alert["severity"] == "critical" and "Lithuania votes in 18 days" in alert["title"]


def test_silences_are_listed_added_and_removed(alerted, clock, capsys) -> None:
    settings, _ = alerted
    assert main(["silence", "add", "--country", "lt", "--until", "2024-10-20", "--reason", "known", "--format", "json"], clock=clock, settings=settings) == 0
    added = read_json(capsys)
    assert main(["silence", "list", "--format", "json"], clock=clock, settings=settings) == 0
    (listed,) = read_json(capsys)
    assert listed["id"] == added["id"] and listed["country"] == "LT" and listed["reason"] == "known"
    assert main(["silence", "remove", str(added["id"]), "--format", "json"], clock=clock, settings=settings) == 0
    assert read_json(capsys) == {"id": added["id"], "removed": True}
    assert main(["silence", "list", "--format", "json"], clock=clock, settings=settings) == 0
    assert read_json(capsys) == []


def test_rules_check_says_ok_with_its_counts_or_lists_the_problems(tmp_path: Path, clock, capsys) -> None:
    assert main(["rules", "check", "--format", "json"], clock=clock, settings=make_settings(tmp_path)) == 0
    checked = read_json(capsys)
    assert checked["ok"] is True and checked["rules"] > 20 and checked["elections"] > 1000
    rules = shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (rules / "ei02-voting-appeal.yaml").write_text("rules: [", encoding="utf-8")
    assert main(["rules", "check", "--format", "json"], clock=clock, settings=make_settings(tmp_path, rules_dir=rules)) == 2
    broken = read_json(capsys)
    assert broken["ok"] is False and any("ei02-voting-appeal.yaml" in problem for problem in broken["problems"])


def test_rules_test_counts_the_examples(tmp_path: Path, clock, capsys) -> None:
    assert main(["rules", "test", "--format", "json"], clock=clock, settings=make_settings(tmp_path)) == 0
    tested = read_json(capsys)
    assert tested["failed"] == 0 and tested["passed"] > 100 and tested["examples"] == []
