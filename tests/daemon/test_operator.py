"""The operator's endpoint of a running daemon: /health (200, or 503 with the database gone) and /metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.daemon.status import check_health
from monitor.demo import demo_sources, serve_sample_site
from monitor.detect.rules.ruleset import RuleSet
from monitor.models import Source, SourceKind
from monitor.store.records import SourceStatus
from testbed.servers import free_port
from testbed.settings import sandbox_environment
from testbed.timing import wait_for
from tests.conftest import ROOT


@contextmanager
def daemon(tmp_path: Path, database_url: str) -> Iterator[str]:
    """`monitor run` on the demo's sources with MONITOR_HTTP_LISTEN alone; yields the endpoint's address."""
    port = free_port()
    with serve_sample_site() as base:
        demo_sources(base, tmp_path)
        env = os.environ | sandbox_environment(tmp_path) | {"MONITOR_DATABASE_URL": database_url, "MONITOR_HTTP_LISTEN": f"127.0.0.1:{port}", "MONITOR_CACHE_DIR": ""}
        process = subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            address = f"http://127.0.0.1:{port}"
            assert wait_for(lambda: _answers(address), 60), "the endpoint did not come up"
            yield address
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _answers(address: str) -> bool:
    try:
        return httpx.get(f"{address}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def metrics(address: str) -> dict[str, float]:
    """Every sample of /metrics, as ``name{label="value",...}`` -> value (labels sorted)."""
    answer = httpx.get(f"{address}/metrics", timeout=5)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_a_running_daemon_answers_health_and_metrics(tmp_path: Path) -> None:
    """With MONITOR_HTTP_LISTEN alone: /health says the database, the scheduler, the rules and the
    sources are well; /metrics counts the polls, items, alert, delivery and durations of the demo's poll."""
    with daemon(tmp_path, f"sqlite:///{tmp_path}/daemon.db") as address:
        assert wait_for(lambda: metrics(address).get('monitor_deliveries_total{channel="log",state="sent"}', 0) >= 1, 90), "the demo's alert was not delivered"
        health = httpx.get(f"{address}/health")
        seen = metrics(address)
    assert health.status_code == 200 and health.headers["content-type"] == "application/json"
    body = health.json()
    assert body["status"] == "ok"
    assert body["database"] == {"reachable": True} and body["scheduler"] == {"running": True}
    assert body["rules"]["loaded"] > 20
    assert body["sources"]["failing"] == 0
    sources = [name for name in seen if name.startswith('monitor_polls_total{outcome="ok"')]
    assert sources, "no successful poll counted"
    assert seen['monitor_alerts_total{severity="critical"}'] == 1
    assert sum(v for k, v in seen.items() if k.startswith("monitor_items_stored_total")) >= 1
    assert seen['monitor_fetch_seconds_count{what="feed"}'] >= 1 and seen['monitor_fetch_seconds_count{what="page"}'] >= 1
    assert seen["monitor_extraction_seconds_count{}"] >= 1
    assert any(k.startswith("monitor_source_last_success_age_seconds{source=") for k in seen)
    assert next(v for k, v in seen.items() if k.startswith("monitor_rules_loaded{version=")) == body["rules"]["loaded"]


def test_health_is_503_once_the_database_is_gone(tmp_path: Path) -> None:
    """A daemon on PostgreSQL answers 200, then 503 naming the database once the server stops."""
    from testbed.postgres import ThrowawayPostgres, server_binaries

    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries on this machine")
    database = ThrowawayPostgres(binaries).start()
    try:
        subprocess.run([sys.executable, "-m", "monitor", "db", "upgrade"], cwd=ROOT, env=dict(os.environ, MONITOR_DATABASE_URL=database.url), check=True, capture_output=True)
        with daemon(tmp_path, database.url) as address:
            assert httpx.get(f"{address}/health").json()["database"] == {"reachable": True}
            database.stop()
            started = time.monotonic()
            answer = httpx.get(f"{address}/health", timeout=30)
            assert answer.status_code == 503
            assert time.monotonic() - started < 15
            body = answer.json()
            assert body["status"] == "unhealthy" and body["database"]["reachable"] is False and body["database"]["error"]
            assert httpx.get(f"{address}/metrics").status_code == 200  # the counts are still served
    finally:
        database.stop()


RULES = RuleSet((), "0123456789abcdef")


def test_a_stopped_scheduler_is_unhealthy() -> None:
    health = check_health((), dict, lambda: False, lambda: RULES)
    assert not health.healthy and health.body["scheduler"] == {"running": False}


def test_failing_sources_are_counted_and_named_but_do_not_make_the_worker_unhealthy() -> None:
    sources = (*(Source.standing_in(name, SourceKind.STATE_MEDIA, "RU") for name in ("a", "b")), replace(Source.standing_in("off", SourceKind.STATE_MEDIA, "RU"), enabled=False))
    states = {"a": SourceStatus("a", consecutive_failures=3), "b": SourceStatus("b"), "off": SourceStatus("off", consecutive_failures=1)}
    health = check_health(sources, lambda: states, lambda: True, lambda: RULES)
    assert health.healthy
    assert health.body["sources"] == {"enabled": 2, "failing": 1, "failing_ids": ["a"]}
