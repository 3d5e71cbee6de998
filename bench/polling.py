"""Many quiet sources: one `run --once` over 1,000 feeds that answer 304, and the daemon's memory.

A thousand local feeds, each with one entry, are read once to fill the database; then
- `monitor run --once`, started as a user starts it (a new process, start-up included), polls
  them again while every one answers 304 Not Modified: its wall time (goal: at most 10 s), with
  the rules and gazetteer the first run kept (MONITOR_CACHE_DIR), and apart without them;
- `monitor run`, the daemon, on a database of its own (so that every source is due at once)
  polls them all, fetching each feed and page: its resident memory after the polls (goal: at
  most 200 MB), and apart from it the extraction processes it started for the pages.

    .venv/bin/python bench/polling.py [--sources N]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.headline import headline  # noqa: E402
from testbed.builders import page, rss, write_sources  # noqa: E402
from testbed.servers import LocalHTTPServer  # noqa: E402
from testbed.settings import sandbox_environment  # noqa: E402
from testbed.timing import wait_for  # noqa: E402

MONITOR = Path(sys.executable).parent / "monitor"
DAEMON_WAIT = 120.0  # seconds for the daemon's first polls (spread over half a minute)


@dataclass(frozen=True)
class PollingFigures:
    sources: int
    once_304_seconds: float
    once_304_uncached_seconds: float  # the same with nothing kept from an earlier start (MONITOR_CACHE_DIR empty)
    all_not_modified: bool
    daemon_rss_mb: float
    extraction_rss_mb: float  # the daemon's child processes: the extraction pool and its fork server


def environment(tmp: Path) -> dict[str, str]:
    """The settings of a sandboxed run, as a user would give them: in the environment."""
    return os.environ | sandbox_environment(tmp) | {
        "MONITOR_LOG_LEVEL": "WARNING",
        "MONITOR_CACHE_DIR": str(tmp / "cache"),  # filled by the first run, as a user's first start fills it
    }


def serve_feeds(server: LocalHTTPServer, count: int) -> list[dict[str, str]]:
    """``count`` feeds of one entry each, with an ETag: a second read answers 304."""
    sources = []
    for index in range(count):
        link = server.serve(f"/a/{index}.html", page(f"Notice {index}", "The ministry published its weekly schedule of meetings."))
        feed = rss({"title": f"Notice {index}", "link": link, "guid": f"n{index}"})
        url = server.serve(f"/feed/{index}.xml", feed, etag=f'"f{index}"')
        sources.append({"id": f"quiet-{index}", "url": url, "kind": "official", "country": "FR"})
    return sources


def not_modified_answers(server: LocalHTTPServer, count: int) -> int:
    """Reads of the feeds that sent their ETag back, which the server answers 304."""
    return sum(1 for index in range(count) for hit in server.hits(f"/feed/{index}.xml") if hit.headers.get("if-none-match") == f'"f{index}"')


def polled_sources(database: Path, since: datetime) -> int:
    """Sources polled at or after ``since`` (SQLite keeps times as ISO text, which sorts as time does)."""
    try:
        with sqlite3.connect(database) as connection:
            query = "SELECT count(*) FROM source_state WHERE last_polled_at >= ?"
            return int(connection.execute(query, (since.strftime("%Y-%m-%d %H:%M:%S"),)).fetchone()[0])
    except sqlite3.Error:  # the daemon has not created the table yet
        return 0


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return 0.0
    return next((int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS:")), 0) / 1024


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        listing = task / "children"
        if listing.exists():
            found.extend(int(child) for child in listing.read_text().split())
    return found + [grandchild for child in found for grandchild in children(child)]


def daemon_memory(env: dict[str, str], database: Path, count: int) -> tuple[float, float]:
    """The daemon's resident memory, and its child processes', once it has polled every source."""
    started = datetime.now(UTC).replace(microsecond=0)
    daemon = subprocess.Popen([str(MONITOR), "run"], env=env | {"MONITOR_DATABASE_URL": f"sqlite:///{database}"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_for(lambda: polled_sources(database, started) >= count or daemon.poll() is not None, DAEMON_WAIT):
            raise SystemExit(f"the daemon polled {polled_sources(database, started)} of {count} sources in {DAEMON_WAIT:.0f} s")
        if daemon.poll() is not None:
            raise SystemExit(f"the daemon exited: {daemon.stderr.read().decode() if daemon.stderr else ''}")
        time.sleep(1)  # let the last polls finish
        return resident_mb(daemon.pid), sum(resident_mb(child) for child in children(daemon.pid))
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)


def measure(count: int) -> PollingFigures:
    server = LocalHTTPServer().start()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        try:
            write_sources(tmp / "sources.yaml", *serve_feeds(server, count))
            env = environment(tmp)
            subprocess.run([str(MONITOR), "run", "--once"], env=env, check=True, capture_output=True)  # the first read stores every entry
            before = not_modified_answers(server, count)
            started = time.perf_counter()
            subprocess.run([str(MONITOR), "run", "--once"], env=env, check=True, capture_output=True)
            once = time.perf_counter() - started
            all_304 = not_modified_answers(server, count) - before == count
            started = time.perf_counter()
            subprocess.run([str(MONITOR), "run", "--once"], env=env | {"MONITOR_CACHE_DIR": ""}, check=True, capture_output=True)
            uncached = time.perf_counter() - started
            daemon_mb, extraction_mb = daemon_memory(env, tmp / "daemon.db", count)
        finally:
            server.stop()
    return PollingFigures(count, once, uncached, all_304, daemon_mb, extraction_mb)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sources", type=int, default=1000, help="how many feeds (default 1,000)")
    figures = measure(parser.parse_args().sources)
    answered = "every feed answered 304" if figures.all_not_modified else "NOT every feed answered 304"
    print(f"{figures.sources} sources, {answered}")
    headline(f"run --once over {figures.sources} sources answering 304", figures.once_304_seconds, "at most 10 s", " s")
    print(f"the same with the rules and gazetteer built anew (nothing kept from the first run): {figures.once_304_uncached_seconds:.1f} s")
    headline(f"daemon resident memory with {figures.sources} sources", figures.daemon_rss_mb, "at most 200 MB", " MB")
    print(f"its extraction processes (the pool and its fork server), apart: {figures.extraction_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
