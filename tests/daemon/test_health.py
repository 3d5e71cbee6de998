"""Never silent: failing and quiet sources raise one operational alert each, and recover quietly."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.daemon.health import source_trouble
from monitor.daemon.pipeline import poll_source
from monitor.daemon.scheduler import calendar_job, health_job
from monitor.daemon.wiring import Monitor
from monitor.models import HealthPolicy
from monitor.store.engine import ensure_schema
from testbed.builders import rss, write_sources
from testbed.settings import make_settings

NEVER_FAILED = {"failures": 0, "last_success_at": None, "last_error": None}


def test_a_source_failing_past_the_threshold_is_trouble(clock) -> None:
    """Five failed polls in a row make a failing source, with its last error."""
    trouble = source_trouble([], clock.now, HealthPolicy(), failures=5, last_success_at=clock.now - timedelta(hours=3), last_error="HTTP 503")
    assert trouble.kind == "failing" and "HTTP 503" in trouble.message
    assert source_trouble([], clock.now, HealthPolicy(), failures=4, last_success_at=None, last_error=None) is None


def test_a_source_quiet_far_longer_than_its_rhythm_is_silent(clock) -> None:
    """A source that publishes every 2 hours and has been quiet for 2 days is silent; 12 hours is not enough."""
    times = [clock.now - timedelta(days=2) - timedelta(hours=2 * i) for i in range(10)]
    trouble = source_trouble(times, clock.now, HealthPolicy(), **NEVER_FAILED)
    assert trouble.kind == "silent" and "usually publishes every 2.0 hours" in trouble.message
    recent = [clock.now - timedelta(hours=12) - timedelta(hours=2 * i) for i in range(10)]
    assert source_trouble(recent, clock.now, HealthPolicy(), **NEVER_FAILED) is None


def test_the_health_job_alerts_once_per_trouble_and_resets_on_recovery(tmp_path: Path, http_server, clock) -> None:
    """A failing source raises one operational alert however often the job runs; a recovery re-arms it."""
    http_server.serve("/feed.xml", "down", status=503)
    write_sources(tmp_path / "sources.yaml", {"id": "down", "url": http_server.url("/feed.xml")})
    with Monitor(make_settings(tmp_path), clock) as monitor:
        ensure_schema(monitor.engine)
        source, policy = monitor.sources[0], HealthPolicy(failures=2)
        for _ in range(2):
            poll_source(source, monitor.deps)
        assert health_job(monitor.sources, monitor.deps, policy) == ["down"]
        assert health_job(monitor.sources, monitor.deps, policy) == []
        poll_source(source, monitor.deps)  # still failing: the poll keeps the reported trouble
        assert health_job(monitor.sources, monitor.deps, policy) == []
        (alert,) = monitor.deps.store.alerts()
        assert alert.kind == "operational" and "Source down is failing" in alert.title and "HTTP 503" in alert.body

        http_server.serve("/feed.xml", rss({"title": "Back", "link": http_server.url("/x"), "guid": "x"}))
        clock.advance(timedelta(days=1))
        poll_source(source, monitor.deps)
        assert health_job(monitor.sources, monitor.deps, policy) == []
        assert monitor.deps.store.source_status("down").health_alert is None


def test_the_calendar_job_reports_a_gap_once_a_week(tmp_path: Path, clock) -> None:
    """A covered country with no known future vote raises one operational alert, again a week later if still true."""
    elections = tmp_path / "elections.yaml"
    elections.write_text(
        "elections:\n"
        '  - {country: "LT", type: parliamentary, date: 2028-10-08, name: "Seimas election", status: scheduled, source: "https://x.example/"}\n'
        '  - {country: "BY", type: presidential, date: 2020-08-09, name: "Presidential election", status: held, source: "https://x.example/"}\n',
        encoding="utf-8",
    )
    write_sources(tmp_path / "sources.yaml", {"id": "by", "url": "https://example.invalid/feed", "country": "BY"}, {"id": "lt", "url": "https://example.invalid/lt", "country": "LT"})
    with Monitor(make_settings(tmp_path, elections_file=elections), clock) as monitor:
        ensure_schema(monitor.engine)
        spec = monitor.knowledge.elections
        assert calendar_job(spec, monitor.enabled_sources, monitor.deps) == ["country:BY"]
        clock.advance(timedelta(days=1))
        assert calendar_job(spec, monitor.enabled_sources, monitor.deps) == []
        (alert,) = monitor.deps.store.alerts()
        assert alert.kind == "operational" and "no known future vote for Belarus (BY)" in alert.title
        clock.advance(timedelta(days=7))
        assert calendar_job(spec, monitor.enabled_sources, monitor.deps) == ["country:BY"]
