"""PostgreSQL, the path past one machine: migrations are deliberate, the outbox is shared safely."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.pipeline import poll_source
from monitor.daemon.scheduler import poll_all
from monitor.daemon.wiring import Monitor
from monitor.demo import demo_sources, serve_sample_site
from monitor.errors import DatabaseError
from monitor.notify.outbox import LEASE
from monitor.store.engine import ensure_schema, make_engine
from monitor.store.repo import SourceStatus, Store
from testbed.builders import rss, write_sources
from testbed.settings import make_settings
from tests.detect.test_stories import ARTICLE


def test_the_daemon_refuses_an_unmigrated_postgresql_with_a_clear_message(postgres_url: str, tmp_path: Path, capsys) -> None:
    """On PostgreSQL migrations are never applied implicitly: `run` exits 2 and says to run `db upgrade`."""
    with pytest.raises(DatabaseError, match="monitor db upgrade"):
        ensure_schema(make_engine(postgres_url))
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    assert main(["run", "--once"], settings=make_settings(tmp_path, database_url=postgres_url)) == 2
    assert "run `monitor db upgrade` first" in capsys.readouterr().err


def test_after_db_upgrade_the_founding_case_runs_on_postgresql(postgres_url: str, tmp_path: Path, receiver, clock) -> None:
    """`monitor db upgrade`, then one run stores the items and delivers the one alert, once."""
    with serve_sample_site() as base:
        settings = make_settings(
            tmp_path,
            database_url=postgres_url,
            sources_file=demo_sources(base, tmp_path),
            notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook",
        )
        assert main(["db", "upgrade"], settings=settings) == 0
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    assert len(receiver.hits("/hook", "POST")) == 1
    (alert,) = Store(make_engine(postgres_url)).alerts()
    assert alert.published_at.isoformat() == "2024-09-25T06:30:00+00:00"
    assert alert.deliveries[0][1] == "sent"


def test_two_workers_never_claim_the_same_delivery(postgres_url: str, tmp_path: Path, clock) -> None:
    """Concurrent claims on the outbox (FOR UPDATE SKIP LOCKED) hand each delivery to one worker."""
    with serve_sample_site() as base:
        settings = make_settings(
            tmp_path,
            database_url=postgres_url,
            sources_file=demo_sources(base, tmp_path),
            notify_urls=" ".join(f"json://127.0.0.1:9/hook{i}" for i in range(8)),
        )
        main(["db", "upgrade"], settings=settings)
        with Monitor(settings, clock) as monitor:
            poll_all(monitor.enabled_sources, monitor.deps)
    store = Store(make_engine(postgres_url))
    with ThreadPoolExecutor(max_workers=4) as pool:
        claims = list(pool.map(lambda _: store.claim_next_delivery(clock(), LEASE), range(12)))
    claimed = [d.id for d in claims if d is not None]
    assert len(claimed) == 8 and len(set(claimed)) == 8


def test_workers_recording_a_sources_first_poll_at_once_all_succeed(postgres_url: str, tmp_path: Path) -> None:
    """The first poll of a source recorded by several workers at the same moment: no key collision, one row per source.

    Each worker reads "no row yet" and writes; an insert-or-update leaves the row of the last
    writer instead of failing the others (which would count a false failure against the source).
    """
    main(["db", "upgrade"], settings=make_settings(tmp_path, database_url=postgres_url))
    stores = [Store(make_engine(postgres_url)) for _ in range(8)]
    ready = threading.Barrier(len(stores))

    def record(source_id: str, index: int) -> None:
        ready.wait()
        stores[index].record_poll(SourceStatus(source_id, etag=f'"v{index}"'))

    for round_ in range(5):  # a fresh source each round: every round races on the first insert
        with ThreadPoolExecutor(len(stores)) as pool:
            list(pool.map(record, [f"source-{round_}"] * len(stores), range(len(stores))))
    statuses = stores[0].all_source_status()
    assert sorted(statuses) == [f"source-{n}" for n in range(5)]
    assert {s.etag for s in statuses.values()} <= {f'"v{i}"' for i in range(len(stores))}


def test_workers_polling_copies_of_one_story_at_once_raise_one_alert(postgres_url: str, tmp_path: Path, http_server, clock) -> None:
    """Four workers, each polling its own state outlet that carries the same statement, all at once:
    one alert for the story, the other three items its copies (the lock that serialises deciding
    an alert holds across processes, not only across a process's threads)."""
    sources = []
    for n in range(4):
        path = f"/outlet{n}"
        item = {"title": "Reset with Lithuania", "link": http_server.url(path + ".html"), "guid": path, "pubDate": "Wed, 25 Sep 2024 09:30:00 +0300", "description": ARTICLE}
        sources.append({"id": f"outlet-{n}", "kind": "state_media", "url": http_server.serve(path, rss(item)), "fetch_pages": False})
    write_sources(tmp_path / "sources.yaml", *sources)
    settings = make_settings(tmp_path, database_url=postgres_url)
    main(["db", "upgrade"], settings=settings)
    for round_ in range(3):  # the race is a matter of timing: give it several chances
        if round_:
            with make_engine(postgres_url).begin() as connection:
                connection.exec_driver_sql("TRUNCATE item, item_key, rule_match, alert, delivery, verdict, source_state, lease CASCADE")
        workers = [Monitor(settings, clock) for _ in sources]  # each with its own engine and store
        ready = threading.Barrier(len(workers))
        try:
            with ThreadPoolExecutor(len(workers)) as pool:
                list(pool.map(_poll_together, workers, range(len(workers)), [ready] * len(workers)))
        finally:
            for worker in workers:
                worker.close()
        (alert,) = Store(make_engine(postgres_url)).alerts()
        assert len(alert.copies) == 3


def _poll_together(worker: Monitor, index: int, ready: threading.Barrier) -> None:
    """Worker ``index`` polls source ``index`` once every worker is ready."""
    ready.wait()
    poll_source(worker.enabled_sources[index], worker.deps)
