"""The review tier: near misses from foreign state sources are stored for analysts, never sent,
listed by `monitor review list` and in digests, and marked like alerts so that verdicts train the weights."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.pipeline import poll_source
from monitor.daemon.wiring import Monitor
from monitor.notify.digest import digest_message
from monitor.store.engine import ensure_schema
from tests.conftest import make_settings
from tests.helpers import page, rss, write_sources

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
