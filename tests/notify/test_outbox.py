"""The outbox: nothing lost, nothing sent twice, each channel on its own."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.scheduler import poll_all
from monitor.daemon.wiring import Monitor
from monitor.demo import demo_sources, serve_sample_site
from monitor.models import RetryPolicy
from monitor.notify.outbox import LEASE, deliver_pending, retry_delay
from monitor.store.engine import ensure_schema
from testbed.settings import make_settings

POLICY = RetryPolicy(longest_wait=timedelta(hours=1), max_age=timedelta(hours=24))


def json_url(receiver, path: str) -> str:
    return f"json://{receiver.base.removeprefix('http://')}{path}"


@pytest.fixture
def site():
    with serve_sample_site() as base:
        yield base


def test_a_crash_between_storing_and_sending_loses_nothing_and_sends_once(tmp_path: Path, site, receiver, clock) -> None:
    """Alerts committed before a crash are delivered after the restart, exactly once."""
    settings = make_settings(tmp_path, sources_file=demo_sources(site, tmp_path), notify_urls=json_url(receiver, "/hook"))
    with Monitor(settings, clock) as before_crash:
        ensure_schema(before_crash.engine)
        poll_all(before_crash.enabled_sources, before_crash.deps)  # stored, then the process "dies"
    assert receiver.hits("/hook", "POST") == []

    assert main(["run", "--once"], clock=clock, settings=settings) == 0  # the restart
    assert main(["run", "--once"], clock=clock, settings=settings) == 0

    assert len(receiver.hits("/hook", "POST")) == 1


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_after_its_lease(tmp_path: Path, site, receiver, clock) -> None:
    """A delivery left "sending" by a dead worker is retried once its lease has expired, and only then."""
    settings = make_settings(tmp_path, sources_file=demo_sources(site, tmp_path), notify_urls=json_url(receiver, "/hook"))
    with Monitor(settings, clock) as monitor:
        ensure_schema(monitor.engine)
        poll_all(monitor.enabled_sources, monitor.deps)
        assert monitor.deps.store.claim_next_delivery(clock(), LEASE) is not None  # claimed, then the worker dies

        assert deliver_pending(monitor.deps.store, monitor.channels, clock, POLICY).sent == 0
        clock.advance(LEASE + timedelta(seconds=1))
        assert deliver_pending(monitor.deps.store, monitor.channels, clock, POLICY).sent == 1
        assert deliver_pending(monitor.deps.store, monitor.channels, clock, POLICY).sent == 0
    assert len(receiver.hits("/hook", "POST")) == 1


def test_a_failing_channel_is_retried_with_backoff_without_repeating_the_healthy_one(tmp_path: Path, site, receiver, clock) -> None:
    """One channel fails then recovers: each channel ends with the alert exactly once."""
    settings = make_settings(
        tmp_path,
        sources_file=demo_sources(site, tmp_path),
        notify_urls=f"{json_url(receiver, '/healthy')} {json_url(receiver, '/flaky')}",
    )
    receiver.serve("/flaky", b"{}", fail_next=2)
    with Monitor(settings, clock) as monitor:
        ensure_schema(monitor.engine)
        poll_all(monitor.enabled_sources, monitor.deps)
        store, channels = monitor.deps.store, monitor.channels

        first = deliver_pending(store, channels, clock, POLICY)
        assert (first.sent, first.failed) == (1, 1)
        assert deliver_pending(store, channels, clock, POLICY).sent == 0  # not due yet

        clock.advance(retry_delay(1, timedelta(hours=1)))
        assert deliver_pending(store, channels, clock, POLICY).failed == 1  # second failure
        clock.advance(retry_delay(2, timedelta(hours=1)))
        assert deliver_pending(store, channels, clock, POLICY).sent == 1

        (alert,) = store.alerts()
        assert sorted((state, attempts) for _, state, attempts, _ in alert.deliveries) == [("sent", 1), ("sent", 3)]
    assert len(receiver.hits("/healthy", "POST")) == 1
    assert len(receiver.hits("/flaky", "POST")) == 3  # two failures, one success


def test_the_retry_delay_doubles_up_to_a_limit() -> None:
    """30 s, 1 min, 2 min ... never more than the longest wait."""
    delays = [retry_delay(n, timedelta(minutes=5)).total_seconds() for n in range(1, 7)]
    assert delays == [30, 60, 120, 240, 300, 300]


def test_with_no_channel_alerts_are_logged_and_marked_sent(tmp_path: Path, site, clock, caplog) -> None:
    """Without channels the alert is written to the log and stored as delivered to the log channel."""
    settings = make_settings(tmp_path, sources_file=demo_sources(site, tmp_path))
    assert main(["run", "--once"], clock=clock, settings=settings) == 0
    assert any("ALERT [" in r.getMessage() and "vote correctly" in r.getMessage() for r in caplog.records)
    with Monitor(settings, clock) as monitor:
        (alert,) = monitor.deps.store.alerts()
        assert alert.deliveries == (("log", "sent", 1, None),)


def test_a_channel_down_past_the_maximum_age_fails_for_good_and_says_so_elsewhere(tmp_path: Path, site, receiver, clock, capsys) -> None:
    """After the maximum age the delivery is failed, listed by `alerts list --failed`, and reported on the healthy channel."""
    settings = make_settings(
        tmp_path, sources_file=demo_sources(site, tmp_path), notify_urls=f"{json_url(receiver, '/healthy')} {json_url(receiver, '/down')}"
    )
    receiver.serve("/down", b"{}", fail_next=1000)
    policy = RetryPolicy(longest_wait=timedelta(minutes=10), max_age=timedelta(hours=1))
    with Monitor(settings, clock) as monitor:
        ensure_schema(monitor.engine)
        poll_all(monitor.enabled_sources, monitor.deps)
        for _ in range(12):
            deliver_pending(monitor.deps.store, monitor.channels, clock, policy)
            clock.advance(timedelta(minutes=10))
        deliver_pending(monitor.deps.store, monitor.channels, clock, policy)
        attempts_on_down = len(receiver.hits("/down", "POST"))
        deliver_pending(monitor.deps.store, monitor.channels, clock, policy)

    assert len(receiver.hits("/down", "POST")) == attempts_on_down  # no retries after giving up
    healthy = [r.json()["title"] for r in receiver.hits("/healthy", "POST")]
    assert len(healthy) == 2 and "could not be delivered" in healthy[1]
    capsys.readouterr()
    assert main(["alerts", "list", "--failed", "--format", "json"], settings=settings) == 0
    (failed,) = json.loads(capsys.readouterr().out)
    states = {d["state"] for d in failed["deliveries"]}
    assert states == {"sent", "failed"} and failed["kind"] == "item"
