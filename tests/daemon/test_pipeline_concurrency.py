"""A poll's new pages fetched a few at a time and extracted in worker processes, while their items
are scored, decided and stored in feed order: the same items, the same bounds, no host hammered,
and a worker process killed costs its page one poll, never the daemon."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from monitor.daemon.pipeline import poll_source
from monitor.daemon.wiring import Monitor
from monitor.ingest.fetch import PER_HOST
from monitor.store.engine import ensure_schema
from monitor.store.tables import Item
from testbed.builders import page, rss, write_sources
from testbed.processes import Reaper, slow_page
from testbed.settings import make_settings

FEED = "/feed.xml"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "html"
PARAGRAPH = "The minister of foreign affairs received the ambassador and discussed transit across the border at length."


def build(folder: Path, feed_url: str, clock: Any, **overrides: Any) -> Monitor:
    folder.mkdir(exist_ok=True)
    write_sources(folder / "sources.yaml", {"id": "by-mfa", "url": feed_url})
    monitor = Monitor(make_settings(folder, **overrides), clock)
    ensure_schema(monitor.engine)
    return monitor


@pytest.fixture
def monitors(tmp_path: Path, clock) -> Iterator[Any]:
    built: list[Monitor] = []

    def make(name: str, feed_url: str, **overrides: Any) -> Monitor:
        built.append(build(tmp_path / name, feed_url, clock, **overrides))
        return built[-1]

    yield make
    for monitor in built:
        monitor.close()


def items(monitor: Monitor) -> list[Item]:
    with Session(monitor.engine) as session:
        return list(session.exec(select(Item).order_by(Item.id)))


def statement(http_server, i: int, path: str | None = None) -> dict[str, str]:
    return {"title": f"Statement number {i} on transit", "link": http_server.url(path or f"/s{i}.html"), "guid": f"s{i}", "description": f"Summary {i}."}


class TestWorkerProcesses:
    def test_pages_extracted_in_worker_processes_give_the_items_extracted_in_the_poll(self, http_server, monitors) -> None:
        """Corpus pages and a small one, polled by a monitor extracting in two processes and by one extracting in its threads."""
        bodies = [page("Minister meets ambassador", PARAGRAPH, PARAGRAPH).encode()] + [p.read_bytes() for p in sorted(CORPUS.glob("*/*"))[:3]]
        for i, body in enumerate(bodies):
            http_server.serve(f"/s{i}.html", body, headers={"Content-Type": "text/html"})
        http_server.serve(FEED, rss(*(statement(http_server, i) for i in range(len(bodies)))))
        pooled = monitors("pooled", http_server.url(FEED), extract_workers=2, max_body_bytes=10_000_000)
        threaded = monitors("threaded", http_server.url(FEED), extract_workers=0, max_body_bytes=10_000_000)

        reports = [poll_source(m.sources[0], m.deps) for m in (pooled, threaded)]

        assert [r.new_items for r in reports] == [len(bodies)] * 2 and not any(r.errors for r in reports)
        assert pooled.extraction is not None and pooled.extraction.processes()  # it did use its processes

        def seen(monitor: Monitor) -> list[tuple[object, ...]]:
            return [(i.url, i.title, i.text, i.extraction, i.language, i.published_at, i.score, i.severity) for i in items(monitor)]

        assert seen(pooled) == seen(threaded)

    def test_a_run_of_unchanged_feeds_starts_no_process(self, http_server, monitors) -> None:
        http_server.serve(FEED, rss(statement(http_server, 1)), etag='"v1"')
        monitor = monitors("quiet", http_server.url(FEED), extract_workers=2)
        assert monitor.extraction is not None
        http_server.serve(FEED, rss(statement(http_server, 1)), etag='"v1"')
        object.__setattr__(monitor.sources[0], "fetch_pages", True)
        poll_source(monitor.sources[0], monitor.deps)  # the page is missing: nothing extracted
        assert poll_source(monitor.sources[0], monitor.deps).status == "not_modified"
        assert monitor.extraction.processes() == []

    def test_a_page_whose_extraction_process_is_killed_is_left_for_the_next_poll(self, http_server, monitors) -> None:
        """Every extraction process killed (os.kill, as an OOM killer would): the page's entry is an
        error and stays unstored, the entry without a page is stored, the poll ends; the next poll,
        with the processes left alone, reads the page."""
        http_server.serve("/long.html", slow_page())
        http_server.serve(FEED, rss(statement(http_server, 1, "/long.html"), {"title": "A note without a page", "guid": "n1", "description": "On transit."}), etag='"v1"')
        monitor = monitors("killed", http_server.url(FEED), extract_workers=2)
        reaper = Reaper().start()
        try:
            first = poll_source(monitor.sources[0], monitor.deps)
        finally:
            reaper.stop()

        assert first.status == "ok" and first.new_items == 1
        assert len(first.errors) == 1 and "ExtractionCrashed" in first.errors[0] and "/long.html" in first.errors[0]
        assert [i.title for i in items(monitor)] == ["A note without a page"]

        second = poll_source(monitor.sources[0], monitor.deps)  # the ETag was not kept: the feed is read again
        assert (second.status, second.new_items, second.errors) == ("ok", 1, ())
        assert {i.title: i.extraction for i in items(monitor)} == {"A note without a page": "feed_summary", "Statement number 1 on transit": "page"}


class CountingServer:
    """Answers every page after holding it until released, counting the requests in flight."""

    def __init__(self, body: bytes) -> None:
        self.in_flight = self.most = 0
        self.release = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with outer._lock:
                    outer.in_flight += 1
                    outer.most = max(outer.most, outer.in_flight)
                outer.release.wait(30)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with outer._lock:
                    outer.in_flight -= 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


def wait_for(condition: Any, seconds: float) -> bool:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class TestConcurrentFetches:
    def test_pages_are_fetched_several_at_a_time_and_at_most_the_limit_per_host(self, http_server, monitors) -> None:
        """Twelve pages on each of two hosts: both hosts get requests at once, neither more than PER_HOST
        (the rest of the poll's eight in flight wait); every page is stored once, in feed order."""
        hosts = [CountingServer(page("Statement on transit", PARAGRAPH).encode()) for _ in range(2)]
        try:
            entries = [{**statement(http_server, i), "link": f"{hosts[i % 2].base}/s{i}.html"} for i in range(24)]
            http_server.serve(FEED, rss(*entries))
            monitor = monitors("hosts", http_server.url(FEED))
            report: list[Any] = []
            polling = threading.Thread(target=lambda: report.append(poll_source(monitor.sources[0], monitor.deps)))
            polling.start()
            assert wait_for(lambda: all(h.in_flight >= PER_HOST for h in hosts), 30), "the pages were not fetched at once"
            time.sleep(0.5)  # room for a request beyond the limit, were it not enforced
            assert [h.in_flight for h in hosts] == [PER_HOST, PER_HOST]
            for host in hosts:
                host.release.set()
            polling.join(60)
        finally:
            for host in hosts:
                host.stop()
        assert [h.most for h in hosts] == [PER_HOST, PER_HOST]
        assert report[0].new_items == 24 and not report[0].errors
        assert [i.title for i in items(monitor)] == [f"Statement number {i} on transit" for i in range(24)]  # stored in feed order


class TestBoundsWithPagesInFlight:
    def test_no_entry_is_started_after_the_poll_deadline(self, http_server, monitors) -> None:
        """Two pages in flight, each save costing a second of the poll's clock, deadline 2.5 s: entries
        0, 1 and 2 start at 0 s (2 once 0 is stored), 3 at 1 s, 4 at 2 s, and 5 finds 3 s: it waits
        for the next poll, its page unfetched. None is lost, none stored twice."""
        for i in range(6):
            http_server.serve(f"/s{i}.html", page(f"Statement number {i} on transit", PARAGRAPH))
        http_server.serve(FEED, rss(*(statement(http_server, i) for i in range(6))), etag='"v1"')
        monitor = monitors("deadline", http_server.url(FEED))
        elapsed = [0.0]
        deps = replace(monitor.deps, monotonic=lambda: elapsed[0], poll_deadline=timedelta(seconds=2.5), pages_in_flight=2)
        original = deps.store.save_item

        def slow_save(*args: Any, **kwargs: Any) -> Any:
            elapsed[0] += 1
            return original(*args, **kwargs)

        object.__setattr__(deps.store, "save_item", slow_save)
        first = poll_source(monitor.sources[0], deps)
        assert (first.new_items, first.deferred, first.errors) == (5, 1, ())
        assert len([r for r in http_server.requests if r.path != FEED]) == 5  # no page of a deferred entry fetched
        elapsed[0] = 0.0
        second = poll_source(monitor.sources[0], deps)
        assert (second.new_items, second.deferred) == (1, 0)
        assert poll_source(monitor.sources[0], deps).status == "not_modified"
        assert [i.title for i in items(monitor)] == [f"Statement number {i} on transit" for i in range(6)]

    def test_a_stop_with_pages_in_flight_leaves_them_for_the_next_poll(self, http_server, monitors) -> None:
        """The monitor stops while pages are being fetched: what is not stored is taken by the next poll, once."""
        for i in range(10):
            http_server.serve(f"/s{i}.html", page(f"Statement number {i} on transit", PARAGRAPH))
        http_server.serve(FEED, rss(*(statement(http_server, i) for i in range(10))), etag='"v1"')
        monitor = monitors("stop", http_server.url(FEED))
        original = monitor.deps.store.save_item

        def save_then_stop(*args: Any, **kwargs: Any) -> Any:
            monitor.deps.stop.set()
            return original(*args, **kwargs)

        object.__setattr__(monitor.deps.store, "save_item", save_then_stop)
        first = poll_source(monitor.sources[0], monitor.deps)
        assert first.new_items == 1 and first.errors == ("stopped before the end of the feed",)
        object.__setattr__(monitor.deps.store, "save_item", original)
        monitor.deps.stop.clear()

        second = poll_source(monitor.sources[0], monitor.deps)
        assert (second.status, second.new_items, second.errors) == ("ok", 9, ())
        assert sorted(i.title for i in items(monitor)) == sorted(f"Statement number {i} on transit" for i in range(10))
