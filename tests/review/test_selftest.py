"""The review tier: near misses from foreign state sources are stored for analysts, never sent,
listed by `monitor review list` and in digests, and marked like alerts so that verdicts train the weights."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.pipeline import poll_source
from monitor.daemon.wiring import Monitor, load_knowledge
from monitor.detect.rules.loader import load_rules
from monitor.detect.rules.validators import IssueSeverity
from monitor.errors import RuleError
from monitor.notify.digest import digest_message
from monitor.review.selftest import ExamplesPass, checked_rules
from monitor.store.engine import ensure_schema
from testbed.builders import page, rss, write_sources
from testbed.settings import make_settings

PACK = """\
rules:
  - id: context
    title: Foreign state source near a vote
    severity: low
    weight: 1
    tags: [ei:EI-01]
    match:
      all:
        - source_kind: [official, state_media]
        - election_window: {before: 60}
    examples:
      match: [{text: Lithuania, published: 2024-09-25, source_country: BY}]
      no_match: [{text: Lithuania}]
  - id: hostile-label
    title: Hostile label for the government of the country that votes
    severity: medium
    weight: 1
    tags: [ei:EI-05]
    match:
      all:
        - source_kind: [official, state_media]
        - election_window: {before: 60}
        - phrases: [regime]
    examples:
      match: [{text: The Vilnius regime, published: 2024-09-25, source_country: BY}]
      no_match: [{text: The Vilnius regime}]
"""

FEED = "/feed.xml"


@pytest.fixture
def monitor(tmp_path: Path, http_server, clock):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "pack.yaml").write_text(PACK, encoding="utf-8")
    items = [
        ("g1", "/near-miss.html", "The Vilnius regime and the border", "The ministry said the Vilnius regime keeps the border closed to Belarusian trucks."),
        ("g2", "/routine.html", "Consular hours in Vilnius", "The embassy of Belarus in Lithuania announced its consular hours."),
    ]
    http_server.serve(FEED, rss(*({"title": t, "link": http_server.url(link), "guid": g, "pubDate": "Wed, 25 Sep 2024 09:30:00 +0000"} for g, link, t, _ in items)))
    for _, link, title, text in items:
        http_server.serve(link, page(title, text))
    write_sources(tmp_path / "sources.yaml", {"id": "by-mfa", "url": http_server.url(FEED), "kind": "official", "country": "BY"})
    settings = make_settings(tmp_path, rules_dir=rules, notify_urls="json://127.0.0.1:9/")
    built = Monitor(settings, clock)
    ensure_schema(built.engine)
    poll_source(built.sources[0], built.deps)
    yield built, settings
    built.close()


def test_a_near_miss_is_stored_for_review_and_never_sent(monitor) -> None:
    """Evidence of an indicator, a vote in the window, a foreign state source, a score below the alert: for review."""
    built, _ = monitor
    store = built.deps.store
    assert store.alerts() == []  # no alert, no delivery
    [review] = store.alerts(review=True)
    assert review.kind == "review" and review.deliveries == () and "regime" in json.dumps(review.payload)


def test_routine_items_are_not_for_review(monitor) -> None:
    """The context rule alone is no evidence of an indicator."""
    built, _ = monitor
    reviews = built.deps.store.alerts(review=True)
    assert len(reviews) == 1 and "Consular" not in json.dumps(reviews[0].payload)
    assert len(list(built.deps.store.history(None, None))) == 2  # both items are stored


def test_review_list_shows_the_evidence_and_alerts_mark_records_a_verdict(monitor, capsys: pytest.CaptureFixture[str], clock) -> None:
    built, settings = monitor
    [review] = built.deps.store.alerts(review=True)
    assert main(["review", "list"], settings=settings, clock=clock) == 0
    printed = capsys.readouterr().out
    assert f"#{review.id}" in printed and 'hostile-label: "regime"' in printed
    assert main(["alerts", "mark", str(review.id), "--verdict", "tp"], settings=settings, clock=clock) == 0
    assert main(["review", "list", "--format", "json"], settings=settings, clock=clock) == 0
    [listed] = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert listed["id"] == review.id and listed["verdict"] == "tp"
    # The verdict reaches the history that `monitor rules tune` trains on.
    [marked] = [item for item in built.deps.store.history(None, None) if item.alert_id == review.id]
    assert built.deps.store.verdicts()[marked.alert_id] == "tp"


def test_digests_have_a_for_review_section(monitor) -> None:
    built, _ = monitor
    reviews = built.deps.store.alerts(review=True)
    title, body = digest_message([], datetime(2024, 9, 25, tzinfo=UTC), reviews) or ("", "")
    assert title.startswith("Digest: 0 alerts, 1 for review")
    assert "For review (1)" in body and "The Vilnius regime and the border" in body
    assert digest_message([], datetime(2024, 9, 25, tzinfo=UTC), []) is None


def test_the_review_command_is_documented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["review", "list", "--help"], settings=make_settings(tmp_path))
    assert "alerts mark" in capsys.readouterr().out


# The pack's self-test: its examples are a validator (an error), and `checked_rules` is the gate
# of `rules check`, a reload and a backtest.

FAILING = """\
rules:
  - id: failing
    title: A rule whose example it does not hold
    severity: low
    weight: 1
    tags: [ei:EI-05]
    match: {phrases: [regime]}
    examples:
      match:
        - text: The regime.
        - text: The government.
      no_match:
        - text: Nothing.
"""


def own_rules(tmp_path: Path, text: str) -> Path:
    rules = tmp_path / "own-rules"
    rules.mkdir(parents=True)
    (rules / "pack.yaml").write_text(text, encoding="utf-8")
    return rules


def test_a_failing_example_is_an_error_at_the_line_of_the_example(tmp_path: Path) -> None:
    knowledge = load_knowledge(make_settings(tmp_path))
    rules = load_rules(own_rules(tmp_path, FAILING))
    (issue,) = ExamplesPass(knowledge.gazetteer, knowledge.calendar).check(rules)
    assert (issue.validator, issue.severity, issue.line, issue.subject) == ("examples-pass", IssueSeverity.ERROR, 11, "rule failing")
    assert issue.message == "example not matched: The government."
    assert str(issue.problem()).startswith(f"{tmp_path / 'own-rules' / 'pack.yaml'}:11: rule failing: ")


def test_checked_rules_refuses_a_pack_with_an_error_and_returns_the_warnings_of_a_sound_one(tmp_path: Path) -> None:
    knowledge = load_knowledge(make_settings(tmp_path))
    with pytest.raises(RuleError) as caught:
        checked_rules(own_rules(tmp_path, FAILING), knowledge.gazetteer, knowledge.calendar)
    assert [(p.line, p.location) for p in caught.value.problems] == [(11, "rule failing")]
    sound = own_rules(tmp_path / "sound", FAILING.replace("        - text: The government.\n", ""))
    rules, warnings = checked_rules(sound, knowledge.gazetteer, knowledge.calendar)
    assert len(rules) == 1 and [w.validator for w in warnings] == ["examples-each-way"]


def test_rules_test_names_the_file_and_line_of_each_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = own_rules(tmp_path, FAILING)
    assert main(["rules", "test", "--verbose"], settings=make_settings(tmp_path, rules_dir=rules)) == 1
    out = capsys.readouterr().out
    assert f"FAIL failing: should match: The government. ({rules / 'pack.yaml'}:11)" in out
    assert f"ok   failing: should not match: Nothing. ({rules / 'pack.yaml'}:13)" in out


def test_rules_check_runs_the_validators(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An error (a failing example) exits 2 with its file and line; a warning is a line of its own, exit 0."""
    rules = own_rules(tmp_path, FAILING)
    assert main(["rules", "check"], settings=make_settings(tmp_path, rules_dir=rules)) == 2
    assert f"{rules / 'pack.yaml'}:11: rule failing: example not matched: The government. (examples-pass)" in capsys.readouterr().err
    (rules / "pack.yaml").write_text(FAILING.replace("        - text: The government.\n", ""), encoding="utf-8")
    assert main(["rules", "check"], settings=make_settings(tmp_path, rules_dir=rules)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "1 rules in 1 files: OK"
    assert lines[2] == f"warning: {rules / 'pack.yaml'}:2: rule failing: 1 match and 1 no_match examples; 3 or more each way test it better (examples-each-way)"
