"""Several workers on one database share the work: a source is polled by one of them when due, a
page is fetched by one of them, a housekeeping run is done by one of them; what a dead worker
held falls to the others once its leases expire. (On SQLite here; on PostgreSQL in test_scale_out.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli.run import run_once
from monitor.daemon.pipeline import Outcome, process_entry
from monitor.daemon.scheduler import POLL_LEASE_MARGIN, poll_all, poll_job, run_alone
from monitor.daemon.wiring import Monitor
from monitor.ingest.feeds import parse_feed
from monitor.models import PollStatus
from monitor.store.engine import ensure_schema
from monitor.store.leases import ENTRY_LEASE
from monitor.store.repo import SourceStatus
from monitor.store.tables import Item
from testbed.builders import count_rows, page, rss, write_sources
from testbed.settings import make_settings

INTERVAL = timedelta(minutes=10)


@pytest.fixture
def workers(tmp_path: Path, http_server, clock) -> Iterator[tuple[Monitor, Monitor]]:
    """Two workers (each its own engine, store and holder id) on one SQLite database, one source with one page."""
    http_server.serve("/a.html", page("Weather", "Sunny all week across the region."), headers={"Content-Type": "text/html"})
    http_server.serve("/feed.xml", rss({"title": "Weather", "link": http_server.url("/a.html"), "guid": "a"}))
    write_sources(tmp_path / "sources.yaml", {"id": "news", "url": http_server.url("/feed.xml"), "interval": "10m"})
    settings = make_settings(tmp_path)
    first, second = Monitor(settings, clock), Monitor(settings, clock)
    try:
        ensure_schema(first.engine)
        yield first, second
    finally:
        first.close()
        second.close()


def test_a_source_is_polled_once_per_interval_whichever_worker_fires(workers, http_server, clock) -> None:
    """Both workers' jobs fire every interval; the source is polled by the first, and found not due by the other."""
    a, b = workers
    source = a.sources[0]
    assert poll_job(source, a.deps).status == "ok"
    assert poll_job(source, b.deps) is None  # polled just now, by the other worker
    clock.advance(INTERVAL - timedelta(seconds=30))  # within the jitter before it is due: polled
    assert poll_job(source, b.deps).status == "unchanged"
    assert poll_job(source, a.deps) is None
    assert len(http_server.hits("/feed.xml")) == 2
    assert len(http_server.hits("/a.html")) == 1


def test_a_source_held_by_a_dead_worker_is_taken_over_when_its_lease_expires(workers, http_server, clock) -> None:
    """A worker died mid-poll, holding the source: the others skip it until the lease runs out, then poll it."""
    a, b = workers
    source = a.sources[0]
    ttl = a.deps.poll_deadline + POLL_LEASE_MARGIN
    assert a.deps.store.claim(f"source:{source.id}", a.deps.store.worker, clock(), ttl)  # and then it died
    assert poll_job(source, b.deps) is None
    clock.advance(ttl)
    assert poll_job(source, b.deps).status == "ok"
    assert count_rows(b.deps.store, Item) == 1
    assert b.deps.store.source_status(source.id).consecutive_failures == 0


def test_a_page_another_worker_is_fetching_is_left_to_it_and_taken_up_if_it_dies(workers, http_server, clock) -> None:
    """An entry claimed by another worker is skipped unfetched and unstored; once the claim expires
    (its worker died) the next poll fetches and stores it."""
    a, b = workers
    source = a.sources[0]
    (entry,) = parse_feed(http_server.routes["/feed.xml"].body, source.id, source.url, "application/rss+xml").entries
    assert a.deps.store.claim_entry(entry.keys, None, clock())  # worker a fetches the page (and dies)
    assert process_entry(entry, source, b.deps) is Outcome.KNOWN
    assert http_server.hits("/a.html") == [] and count_rows(b.deps.store, Item) == 0
    clock.advance(ENTRY_LEASE)
    assert process_entry(entry, source, b.deps) is Outcome.STORED
    assert len(http_server.hits("/a.html")) == 1


def test_run_once_skips_sources_another_worker_is_polling_or_polled_since_it_began(workers, http_server, clock) -> None:
    """`run --once` polls every source whether due or not, but not one another worker holds, nor one
    polled after the run began: several `--once` runs at once share the sources."""
    a, b = workers
    source = a.sources[0]
    assert a.deps.store.claim(f"source:{source.id}", a.deps.store.worker, clock(), INTERVAL)
    (report,) = poll_all(b.enabled_sources, b.deps)
    assert report.status is PollStatus.SKIPPED
    a.deps.store.release(f"source:{source.id}", a.deps.store.worker)
    b.deps.store.record_poll(SourceStatus(source.id, last_polled_at=clock() + timedelta(seconds=1)))  # another run's poll, just after this one began
    (report,) = poll_all(b.enabled_sources, b.deps)
    assert report.status is PollStatus.SKIPPED
    assert http_server.hits("/feed.xml") == []
    clock.advance(timedelta(seconds=2))
    assert [r.status for r in poll_all(b.enabled_sources, b.deps)] == [PollStatus.OK]  # polled before this run: polled again


def test_one_worker_polls_a_recently_polled_source_again_on_run_once(workers, http_server, clock) -> None:
    """One worker, `run --once` twice in a row (as from cron): each run polls, as it always did."""
    a, _ = workers
    assert [r.status for r in poll_all(a.enabled_sources, a.deps)] == [PollStatus.OK]
    assert [r.status for r in poll_all(a.enabled_sources, a.deps)] == [PollStatus.UNCHANGED]


def test_a_housekeeping_run_is_done_by_one_worker_at_a_time(workers, clock) -> None:
    """While one worker runs a housekeeping job (its lease held), another's run of it does nothing."""
    a, b = workers
    runs: list[str] = []
    assert run_alone("health", a.deps, lambda: run_alone("health", b.deps, runs.append, "b") or runs.append("a")) is None
    assert runs == ["a"]
    assert run_alone("health", b.deps, runs.append, "b") is None and runs == ["a", "b"]  # released afterwards


def test_the_interval_in_force_decides_when_a_source_is_due(workers, clock) -> None:
    """A source's next poll follows its interval as the sources file says now, not as it said at its last poll."""
    a, _ = workers
    source = a.sources[0]
    a.deps.store.record_poll(SourceStatus(source.id, last_polled_at=clock(), next_poll_at=clock() + timedelta(hours=6)))
    clock.advance(INTERVAL)
    assert poll_job(replace(source, interval=INTERVAL), a.deps) is not None


def test_run_once_says_how_many_sources_it_left_to_another_worker(workers, clock, capsys) -> None:
    """`run --once` counts the sources another worker had as skipped, not polled."""
    a, b = workers
    source = a.sources[0]
    assert a.deps.store.claim(f"source:{source.id}", a.deps.store.worker, clock(), INTERVAL)
    assert run_once(b) == 0
    out = capsys.readouterr().out
    assert f"{source.id}: skipped" in out and "0 sources polled (1 skipped), 0 failed" in out
