"""The daemon: one job per source, a delivery job, backoff respected, a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from monitor.daemon.scheduler import DeliveryBell, build_scheduler, poll_all, poll_job
from monitor.daemon.wiring import Monitor
from monitor.demo import demo_sources, serve_sample_site
from monitor.models import RetryPolicy
from monitor.store.engine import ensure_schema
from testbed.builders import write_sources
from testbed.servers import DribbleServer, free_port
from testbed.settings import make_settings, sandbox_environment
from testbed.timing import NoSpread, wait_for
from tests.conftest import ROOT


def test_each_source_gets_one_coalescing_job_with_jitter(tmp_path: Path, clock) -> None:
    """Poll jobs run at each source's interval, never two at once, missed runs merged, with jitter."""
    write_sources(tmp_path / "sources.yaml", {"id": "a", "url": "http://127.0.0.1:9/a", "interval": "5m"}, {"id": "b", "url": "http://127.0.0.1:9/b", "interval": "1h"})
    with Monitor(make_settings(tmp_path), clock) as monitor:
        scheduler = build_scheduler(monitor.enabled_sources, monitor.deps, timedelta(seconds=30), RetryPolicy())
        jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"poll:a", "poll:b", "deliver", "purge-leases"}
    assert jobs["poll:a"].trigger.interval == timedelta(minutes=5)
    assert jobs["poll:b"].trigger.interval == timedelta(hours=1)
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True
    assert jobs["poll:a"].trigger.jitter == 30


def test_a_backing_off_source_is_skipped_until_its_next_poll(tmp_path: Path, http_server, clock) -> None:
    """A scheduled poll of a failing source waits for the backoff to pass, then polls again."""
    http_server.serve("/feed.xml", "down", status=500)
    write_sources(tmp_path / "sources.yaml", {"id": "down", "url": http_server.url("/feed.xml"), "interval": "10m"})
    with Monitor(make_settings(tmp_path), clock) as monitor:
        ensure_schema(monitor.engine)
        source = monitor.sources[0]
        assert poll_job(source, monitor.deps).status == "failed"
        clock.advance(timedelta(minutes=10))
        assert poll_job(source, monitor.deps) is None  # backing off: 20 minutes after one failure
        clock.advance(timedelta(minutes=10))
        assert poll_job(source, monitor.deps).status == "failed"
    assert len(http_server.hits("/feed.xml")) == 2


def test_the_daemon_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`monitor run` starts its jobs and its endpoint and, on SIGTERM, shuts down and exits 0 within seconds."""
    port = free_port()
    with serve_sample_site() as base:
        demo_sources(base, tmp_path)
        endpoint = {"MONITOR_HTTP_LISTEN": f"127.0.0.1:{port}", "MONITOR_PUBLIC_URL": f"http://127.0.0.1:{port}", "MONITOR_SECRET_KEY": "test"}
        env = os.environ | sandbox_environment(tmp_path) | endpoint
        process = subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        try:
            lines = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = process.stderr.readline()
                lines.append(line)
                if "monitor running" in line or not line:
                    break
            assert any("monitor running" in line for line in lines), "".join(lines)
            assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200  # the verdict endpoint is up
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
            rest = process.stderr.read()
            assert "stopped" in rest
        finally:
            if process.poll() is None:
                process.kill()


def test_a_stored_alert_is_sent_at_once_not_at_the_next_delivery_tick(tmp_path: Path, receiver) -> None:
    """With deliveries due only every hour, the founding case's alert reaches chat within seconds of its poll."""
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path), notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook")
        with Monitor(settings, lambda: datetime(2024, 9, 25, 12, tzinfo=UTC)) as monitor:
            ensure_schema(monitor.engine)
            scheduler = build_scheduler(monitor.enabled_sources, monitor.deps, timedelta(hours=1), RetryPolicy(), rng=NoSpread())
            scheduler.start()
            try:
                # The first tick (at the start) found nothing; the alert comes with the polls.
                assert wait_for(lambda: receiver.hits("/hook", "POST"), 60), "the alert waited for the next tick"
            finally:
                monitor.stop.set()
                scheduler.shutdown(wait=True)
    (post,) = receiver.hits("/hook", "POST")
    assert "Lithuania votes in 18 days" in post.json()["title"]


def test_a_run_over_every_source_says_how_many_are_done(tmp_path: Path, clock) -> None:
    """`run --once`'s progress: told once per source polled, counting up to all of them."""
    told: list[int] = []
    with serve_sample_site() as base, Monitor(make_settings(tmp_path, sources_file=demo_sources(base, tmp_path)), clock) as monitor:
        ensure_schema(monitor.engine)
        reports = poll_all(monitor.enabled_sources, monitor.deps, progress=told.append)
    assert told == list(range(1, len(reports) + 1)) and len(reports) == len(monitor.enabled_sources) > 1


def test_the_bell_rung_during_a_delivery_run_makes_it_go_round_again() -> None:
    """An alert stored while a run is under way is sent by that run's next round, not at the next tick."""
    bell = DeliveryBell()
    rounds = []

    def deliver() -> int:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            bell.ring()  # an alert stored meanwhile
        return len(rounds)

    assert bell.run(deliver) == 2
    assert bell.run(deliver) == 3  # not rung this time: one round


class TestSlowSources:
    """Ten sources that dribble a byte every 0.25 s (for 30 s) hold every poll thread of the daemon."""

    SOURCES = 10

    @pytest.fixture
    def dribble(self) -> Iterator[DribbleServer]:
        server = DribbleServer(interval=0.25, length=120).start()
        yield server
        server.stop()

    @pytest.fixture
    def slow_monitor(self, tmp_path: Path, dribble: DribbleServer, receiver) -> Iterator[Monitor]:
        sources = [{"id": f"slow-{i}", "url": dribble.url(f"/feed-{i}.xml"), "interval": "15m"} for i in range(self.SOURCES)]
        write_sources(tmp_path / "sources.yaml", *sources)
        settings = make_settings(tmp_path, notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook")
        with Monitor(settings, lambda: datetime.now(UTC)) as monitor:
            ensure_schema(monitor.engine)
            yield monitor

    def test_a_pending_alert_is_delivered_while_every_poll_thread_hangs(self, slow_monitor: Monitor, dribble: DribbleServer, receiver) -> None:
        """Deliveries have their own thread: an alert stored while all polls hang is sent within seconds, not after them."""
        scheduler = build_scheduler(slow_monitor.enabled_sources, slow_monitor.deps, timedelta(seconds=1), RetryPolicy(), rng=NoSpread())
        scheduler.start()
        try:
            assert wait_for(lambda: dribble.connections >= self.SOURCES, 30), "the polls did not start"
            store = slow_monitor.deps.store
            store.add_operational_alert("[OPERATIONAL] test alert", "sent while polls hang", slow_monitor.deps.router.operational(), datetime.now(UTC))
            assert wait_for(lambda: receiver.hits("/hook", "POST"), 15), "the alert waited for the slow polls"
        finally:
            slow_monitor.stop.set()
            dribble.stop()
            scheduler.shutdown(wait=True)

    def test_shutdown_does_not_wait_for_hung_fetches(self, slow_monitor: Monitor, dribble: DribbleServer) -> None:
        """With every poll stuck on a dribbling server (30 s each), stopping returns within seconds."""
        scheduler = build_scheduler(slow_monitor.enabled_sources, slow_monitor.deps, timedelta(seconds=1), RetryPolicy(), rng=NoSpread())
        scheduler.start()
        try:
            assert wait_for(lambda: dribble.connections >= self.SOURCES, 30), "the polls did not start"
            slow_monitor.stop.set()
            started = time.monotonic()
            scheduler.shutdown(wait=True)
            stopped_in = time.monotonic() - started
        finally:
            dribble.stop()
        assert stopped_in < 10
        for source in slow_monitor.enabled_sources:  # abandoned at the stop, not failed
            assert slow_monitor.deps.store.source_status(source.id).consecutive_failures == 0

    def test_polls_and_deliveries_run_on_separate_pools(self, slow_monitor: Monitor) -> None:
        """Poll jobs go to the poll pool; the delivery job to its own."""
        scheduler = build_scheduler(slow_monitor.enabled_sources, slow_monitor.deps, timedelta(seconds=1), RetryPolicy())
        executors = {job.id: job.executor for job in scheduler.get_jobs()}
        assert executors["deliver"] == "delivery"
        assert {executors[f"poll:slow-{i}"] for i in range(self.SOURCES)} == {"polls"}
