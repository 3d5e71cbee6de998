"""Alerted pages looked at again: an edit and a removal each raise one update, with the diff, on the alert's channels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.cli.main import main
from monitor.daemon.watch import watch_job
from monitor.daemon.wiring import Monitor
from monitor.models import AlertKind, WatchPolicy
from testbed.builders import rss, write_sources
from testbed.settings import make_settings
from tests.conftest import ROOT

PAGE = (ROOT / "monitor" / "demo" / "site" / "by-mfa" / "reset-with-lithuania.html").read_text(encoding="utf-8")
EDITED = PAGE.replace("I call on Lithuanians to calmly and rationally assess", "We hope Lithuanians will calmly assess")
POLICY = WatchPolicy(period=timedelta(days=14), every=timedelta(hours=6))


def test_an_edit_and_a_removal_each_raise_one_update_with_what_changed(tmp_path: Path, http_server, receiver, clock) -> None:
    http_server.serve("/reset.html", PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    feed = rss({"title": "Reset with Lithuania", "link": http_server.url("/reset.html"), "guid": "reset", "pubDate": "Wed, 25 Sep 2024 06:30:00 +0000"})
    sources = write_sources(tmp_path / "sources.yaml", {"id": "by-mfa", "url": http_server.serve("/feed.xml", feed)})
    settings = make_settings(tmp_path, sources_file=sources, notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook")
    assert main(["run", "--once"], clock=clock, settings=settings) == 0
    assert len(receiver.hits("/hook", "POST")) == 1  # the alert

    with Monitor(settings, clock) as monitor:
        def look() -> list[int]:
            clock.advance(POLICY.every + timedelta(minutes=1))
            return watch_job(monitor.deps, POLICY)

        assert look() == []  # unchanged: nothing to say
        http_server.serve("/reset.html", EDITED, headers={"Content-Type": "text/html; charset=utf-8"})
        assert watch_job(monitor.deps, POLICY) == []  # looked at less than six hours ago: not due
        (edited,) = look()
        assert look() == []  # the edit is known now
        http_server.serve("/reset.html", "gone", status=404)
        (removed,) = look()
        assert look() == []  # a removed page is not looked at again
        updates = {a.id: a for a in monitor.deps.store.alerts() if a.kind is AlertKind.UPDATE}
    assert set(updates) == {edited, removed}
    assert updates[edited].title == "[UPDATE] The source edited the statement of alert #1"
    assert "-I call on Lithuanians to calmly and rationally assess" in updates[edited].body and "+We hope Lithuanians will calmly assess" in updates[edited].body
    assert "HTTP 404" in updates[removed].body
    assert [d[0] for d in updates[edited].deliveries] == [d[0] for d in updates[removed].deliveries] != []  # the alert's channels


def test_pages_are_watched_only_for_the_period_after_their_alert(founding_case_stored, clock) -> None:
    with Monitor(founding_case_stored, clock) as monitor:
        assert [p.alert_id for p in monitor.deps.store.pages_to_watch(clock() - POLICY.period, clock())] == [1]
        clock.advance(POLICY.period + timedelta(days=1))
        assert monitor.deps.store.pages_to_watch(clock() - POLICY.period, clock()) == []
