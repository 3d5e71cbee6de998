"""What a worker has done, for Prometheus (``/metrics``, in its text format).

Counters and histograms are counted as the work is done, in a registry of the worker's own (no
process-wide registry: two monitors in one process, as in tests, keep apart). What the database
knows (each source's last success) and what is in force (the rules) are read when scraped. With
several workers, each serves its own counts: Prometheus sums them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor.daemon.reload import ReloadStatus
from monitor.detect.rules.ruleset import RuleSet
from monitor.ingest.article import Extract
from monitor.ingest.extract import Extracted
from monitor.models import Clock
from monitor.store.records import SourceStatus

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds: a local 304 takes milliseconds, a slow government server tens of seconds.
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
EXTRACTION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("monitor_polls", "Polls of a source, by outcome (ok, not_modified, unchanged, failed, skipped).", ["source", "outcome"], registry=r)
        self.items = Counter("monitor_items_stored", "New items stored, by source.", ["source"], registry=r)
        self.alerts = Counter("monitor_alerts", "Alerts raised (a story's copies are not counted again), by severity.", ["severity"], registry=r)
        self.deliveries = Counter("monitor_deliveries", "Attempts to deliver a message, by channel and outcome (sent, retry, given_up).", ["channel", "state"], registry=r)
        self.fetch_seconds = Histogram("monitor_fetch_seconds", "Time to fetch a feed or a page.", ["what"], buckets=FETCH_BUCKETS, registry=r)
        self.extraction_seconds = Histogram("monitor_extraction_seconds", "Time to extract a page's text.", buckets=EXTRACTION_BUCKETS, registry=r)
        self.reloads = Counter("monitor_rule_reloads", "Checks of the rule files for changes, by result (unchanged, reloaded, rejected, still_rejected).", ["result"], registry=r)
        self.last_reload = Gauge("monitor_rules_last_reload", "When the rule files last changed (Unix time), labelled with what became of the change: reloaded, rejected or still_rejected.", ["result"], registry=r)

    def reloaded(self, result: str) -> None:
        """Count a check of the rule files; a change (taken or rejected) is also the last reload's result."""
        self.reloads.labels(result).inc()
        if result != ReloadStatus.UNCHANGED:
            self.last_reload.clear()
            self.last_reload.labels(result).set_to_current_time()

    def timed(self, extract: Extract) -> Extract:
        """``extract``, its every call timed into ``extraction_seconds``."""

        def timed_extract(body: bytes, url: str | None, content_type: str | None) -> Extracted | None:
            with self.extraction_seconds.time():
                return extract(body, url, content_type)

        return timed_extract

    def watch(self, sources: Callable[[], dict[str, SourceStatus]], rules: Callable[[], RuleSet], clock: Clock) -> None:
        """Also serve, read at each scrape, the age of each source's last success and the rules in force."""
        self.registry.register(_Scraped(sources, rules, clock))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Scraped(Collector):
    def __init__(self, sources: Callable[[], dict[str, SourceStatus]], rules: Callable[[], RuleSet], clock: Clock) -> None:
        self._sources = sources
        self._rules = rules
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        rules = self._rules()
        loaded = GaugeMetricFamily("monitor_rules_loaded", "Rules in force, labelled with the version of their files (a digest).", labels=["version"])
        loaded.add_metric([rules.digest[:12]], len(rules))
        yield loaded
        ages = GaugeMetricFamily("monitor_source_last_success_age_seconds", "Seconds since the source was last read successfully (absent: never).", labels=["source"])
        try:
            sources = self._sources()
        except Exception:  # the database is down (/health says so): the counts are still served
            logger.warning("source ages left out of /metrics: the database could not be read", exc_info=True)
            sources = {}
        now = self._clock()
        for source_id, status in sorted(sources.items()):
            if status.last_success_at is not None:
                ages.add_metric([source_id], _seconds_between(status.last_success_at, now))
        yield ages


def _seconds_between(then: datetime, now: datetime) -> float:
    return max(0.0, (now - then).total_seconds())
