"""Several workers on one PostgreSQL database share the work (issue: four workers used to poll
every source four times): over a hundred feeds, each feed is fetched once per poll interval and
each page once, whichever worker does it; one alert per story, one delivery per alert and
channel, no false failures; a dead worker's sources are taken over once its leases expire.

Each worker is a ``Monitor`` of its own (engine, store, holder id) in a thread, running its
scheduled poll jobs for every source in an order of its own, as the daemons' jobs fire."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.daemon.scheduler import POLL_LEASE_MARGIN, delivery_job, health_job, poll_job, run_alone
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import Monitor
from monitor.models import HealthPolicy
from monitor.store.engine import make_engine, upgrade
from monitor.store.repo import Store
from monitor.store.tables import Item
from testbed.builders import count_rows, page, rss, write_sources
from testbed.servers import LocalHTTPServer
from testbed.settings import make_settings
from tests.detect.test_stories import ARTICLE

FEEDS = 100
PAGES_PER_FEED = 2
STORY_OUTLETS = 4  # feeds that also carry one statement, each on a page of its own
INTERVAL = timedelta(minutes=15)


def _serve_feeds(server: LocalHTTPServer) -> list[dict[str, object]]:
    sources = []
    for n in range(FEEDS):
        items = []
        for p in range(PAGES_PER_FEED):
            url = server.serve(f"/{n}/{p}.html", page(f"Harvest report {n}-{p}", f"The harvest in district {n} was good, page {p}."), headers={"Content-Type": "text/html"})
            items.append({"title": f"Harvest report {n}-{p}", "link": url, "guid": f"{n}-{p}"})
        if n < STORY_OUTLETS:
            url = server.serve(f"/{n}/story.html", page("Reset with Lithuania", ARTICLE), headers={"Content-Type": "text/html"})
            items.append({"title": "Reset with Lithuania", "link": url, "guid": f"{n}-story", "pubDate": "Wed, 25 Sep 2024 09:30:00 +0300"})
        sources.append({"id": f"feed-{n}", "kind": "state_media", "url": server.serve(f"/{n}/feed.xml", rss(*items)), "interval": "15m"})
    return sources


@pytest.fixture
def settings(postgres_url: str, tmp_path: Path, http_server: LocalHTTPServer, receiver: LocalHTTPServer) -> Settings:
    write_sources(tmp_path / "sources.yaml", *_serve_feeds(http_server))
    hooks = " ".join(f"json://{receiver.base.removeprefix('http://')}/hook{c}" for c in (1, 2))
    upgrade(make_engine(postgres_url))
    return make_settings(tmp_path, database_url=postgres_url, notify_urls=hooks)


@pytest.fixture
def start_workers(settings: Settings, clock) -> Iterator[object]:
    started: list[Monitor] = []

    def start(count: int) -> list[Monitor]:
        started.extend(Monitor(settings, clock) for _ in range(count))
        return started[-count:]

    yield start
    for worker in started:
        worker.close()


def _fire_poll_jobs(workers: list[Monitor]) -> None:
    """Every worker fires the poll job of every source, in its own order, four at a time, all workers at once."""
    ready = threading.Barrier(len(workers))

    def run(index: int) -> None:
        worker = workers[index]
        order = list(worker.enabled_sources)
        random.Random(index).shuffle(order)
        ready.wait()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda source: poll_job(source, worker.deps), order))

    with ThreadPoolExecutor(len(workers)) as pool:
        list(pool.map(run, range(len(workers))))


def _feed_fetches(server: LocalHTTPServer) -> Counter[int]:
    """How many feeds were fetched how many times: {times: feeds}."""
    return Counter(len(server.hits(f"/{n}/feed.xml")) for n in range(FEEDS))


@pytest.mark.parametrize("count", [2, 4])
def test_workers_share_the_polls_pages_alerts_and_deliveries(count: int, start_workers, http_server, receiver, clock) -> None:
    workers = start_workers(count)
    _fire_poll_jobs(workers)
    assert _feed_fetches(http_server) == {1: FEEDS}
    pages = [r.path for r in http_server.requests if r.path.endswith(".html")]
    assert len(pages) == FEEDS * PAGES_PER_FEED + STORY_OUTLETS and len(set(pages)) == len(pages)  # each page once
    store = workers[0].deps.store
    assert count_rows(store, Item) == len(pages)
    (alert,) = store.alerts()  # one story, one alert: the other outlets' items are its copies
    assert len(alert.copies) == STORY_OUTLETS - 1

    clock.advance(INTERVAL)  # the next interval: every feed once more, no page again
    _fire_poll_jobs(workers)
    assert _feed_fetches(http_server) == {2: FEEDS}
    assert len([r for r in http_server.requests if r.path.endswith(".html")]) == len(pages)

    statuses = store.all_source_status()
    assert len(statuses) == FEEDS
    assert [s for s in statuses.values() if s.consecutive_failures or s.last_error] == []  # no false failures

    with ThreadPoolExecutor(count) as pool:  # every worker's delivery job at once
        list(pool.map(lambda worker: delivery_job(worker.deps, worker.settings.retry_policy()), workers))
    for hook in ("/hook1", "/hook2"):
        assert [post.json()["title"] for post in receiver.hits(hook, "POST")] == [alert.title]


def test_a_dead_workers_sources_and_pages_are_taken_over_when_its_leases_expire(start_workers, http_server, clock) -> None:
    """A worker dies mid-poll of a source, holding the source and one of its pages: the others
    leave both alone while the leases run, then poll the source and store every page."""
    dead, alive = start_workers(2)
    source = dead.enabled_sources[0]
    ttl = dead.deps.poll_deadline + POLL_LEASE_MARGIN
    assert dead.deps.store.claim(f"source:{source.id}", dead.deps.store.worker, clock(), ttl)
    assert dead.deps.store.claim_entry((f"url:{http_server.url('/0/0.html')}",), None, clock())
    dead.close()
    assert poll_job(source, alive.deps) is None
    clock.advance(ttl)
    assert poll_job(source, alive.deps).status == "ok"
    assert len(http_server.hits("/0/0.html")) == 1 and len(http_server.hits("/0/1.html")) == 1
    assert {item.source_id for item in alive.deps.store.history(None, None)} == {source.id}
    assert count_rows(alive.deps.store, Item) == PAGES_PER_FEED + 1


def test_workers_running_the_health_job_at_once_raise_one_operational_alert(start_workers, http_server, clock) -> None:
    """A source fails; four workers' health jobs fire at the same moment: one operational alert."""
    workers = start_workers(4)
    http_server.serve("/0/feed.xml", "down", status=503)
    source = workers[0].enabled_sources[0]
    assert poll_job(source, workers[0].deps).status == "failed"
    ready = threading.Barrier(len(workers))

    def health(worker: Monitor) -> None:
        ready.wait()
        run_alone("health", worker.deps, health_job, [source], worker.deps, HealthPolicy(failures=1))

    with ThreadPoolExecutor(len(workers)) as pool:
        list(pool.map(health, workers))
    for worker in workers:  # and every later run finds it reported
        run_alone("health", worker.deps, health_job, [source], worker.deps, HealthPolicy(failures=1))
    (alert,) = Store(make_engine(workers[0].settings.database_url)).alerts()
    assert alert.kind == "operational" and "feed-0 is failing" in alert.title
