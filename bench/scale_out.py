"""Throughput of one worker against two on one PostgreSQL database, and what several share.

A hundred local feeds carry the real news pages of the shared corpus (``../shared/corpora/html``),
and four of them one statement as well (the demo's, each on a page of its own: one story). On a
throwaway PostgreSQL cluster, 1, 2 and then 4 worker processes run the daemon's scheduler, as
`monitor run` builds it, until every feed has been polled once; the time is taken from the moment
all of them are told to start (their start-up, loading the rules, is not counted). Each worker is
one process: its extraction runs on one core. The daemon spreads its first polls over half a
minute; here they start at once (``build_scheduler``'s ``rng``), so that the time is the work's.

Printed: pages, the time with 1 worker and with 2, their ratio (the goal is 1.6 or more on two
cores), and for 2 and 4 workers what must not change: feed fetches per feed, page fetches per
page, alerts for the story, false failures recorded on sources. Also the processor time the
database server and this process (the web server that serves the feeds and pages) used in each
run: on a machine of few cores they share the cores with the workers, which bounds the ratio.

    make bench            # or: .venv/bin/python bench/scale_out.py [--limit N]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.headline import headline  # noqa: E402
from bench.pipeline import pages  # noqa: E402
from monitor.daemon.scheduler import build_scheduler, run_until_stopped  # noqa: E402
from monitor.daemon.wiring import Monitor  # noqa: E402
from monitor.store.engine import upgrade  # noqa: E402
from testbed.builders import write_sources  # noqa: E402
from testbed.postgres import ThrowawayPostgres, server_binaries  # noqa: E402
from testbed.servers import LocalHTTPServer  # noqa: E402
from testbed.settings import make_settings  # noqa: E402
from testbed.timing import NoSpread  # noqa: E402

FEEDS = 100
STORY_OUTLETS = 4
STORY = ROOT / "monitor" / "demo" / "site" / "by-mfa" / "reset-with-lithuania.html"
PUBLISHED = datetime(2024, 9, 25, 6, 30, tzinfo=UTC)  # the statement's day: it alerts


@dataclass(frozen=True)
class Run:
    workers: int
    seconds: float
    cpu: tuple[float, ...]  # processor seconds of each worker after the start
    database_cpu: float  # processor seconds of the database server (its processes, ended ones included)
    server_cpu: float  # processor seconds of this process: the web server serving feeds and pages
    feed_fetches: Counter[int]  # {fetches: feeds}
    page_fetches: Counter[int]  # {fetches: pages}
    items: int
    story_alerts: int
    false_failures: int


def serve(server: LocalHTTPServer, files: list[Path], tmp: Path) -> Path:
    """The feeds: the corpus pages dealt round the feeds, the statement on the first few. Returns the sources file."""
    feeds: list[list[str]] = [[] for _ in range(min(FEEDS, len(files)))]
    for index, path in enumerate(files):
        url = server.serve(f"/p/{index}.html", path.read_bytes(), headers={"Content-Type": "text/html"})
        feeds[index % len(feeds)].append(_item(f"Page {index} {escape(path.stem)}", url, f"p{index}"))
    for n in range(STORY_OUTLETS):
        url = server.serve(f"/story/{n}.html", STORY.read_bytes(), headers={"Content-Type": "text/html"})
        feeds[n].append(_item("Reset with Lithuania", url, f"story{n}"))
    sources = []
    for n, items in enumerate(feeds):
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>feed {n}</title>{"".join(items)}</channel></rss>'
        sources.append({"id": f"feed-{n}", "kind": "state_media", "interval": "1h", "url": server.serve(f"/feed/{n}.xml", body)})
    return write_sources(tmp / "sources.yaml", *sources)


def _item(title: str, url: str, guid: str) -> str:
    return f"<item><title>{title}</title><link>{url}</link><guid>{guid}</guid><pubDate>{format_datetime(PUBLISHED)}</pubDate></item>"


def measure(workers: int, database: ThrowawayPostgres, tmp: Path, server: LocalHTTPServer, feeds: int) -> Run:
    """A fresh database, ``workers`` worker processes started together, timed until every feed is polled."""
    url = database.url
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    with server._lock:
        server.requests.clear()
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", url, str(tmp)]
    env = dict(os.environ, PYTHONFAULTHANDLER="1")  # a worker killed by a crash in native code says where it was
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready", "a worker did not start"
        started, database_began, server_began = time.perf_counter(), _database_cpu(database), time.process_time()
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        while not _all_polled(engine, feeds):
            if any(process.poll() is not None for process in processes):
                sys.exit(f"a worker ended early (exit status {[process.poll() for process in processes]})")
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        server_cpu = time.process_time() - server_began
    finally:
        for process in processes:  # end of input: the worker stops
            if process.stdin is not None:
                process.stdin.close()
    cpu = tuple(_cpu_seconds(process) for process in processes)
    engine.dispose()  # the connections' server processes end: their time is counted
    time.sleep(0.5)
    return _counts(workers, seconds, cpu, _database_cpu(database) - database_began, server_cpu, engine, server)


def _database_cpu(database: ThrowawayPostgres) -> float:
    """Processor seconds of the database server so far: the postmaster's, and its ended children's
    (a connection's server process ends with the connection)."""
    pid = (database.data / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime


def _cpu_seconds(process: subprocess.Popen[str]) -> float:
    """Wait for a worker to end; the processor time it used after "go" (how the work was shared, whatever the load)."""
    assert process.stdout is not None
    said = process.stdout.read().split()
    process.wait(timeout=120)
    return float(said[-1]) if said[-2:-1] == ["cpu"] else float("nan")


def _all_polled(engine: Engine, feeds: int) -> bool:
    with engine.connect() as connection:
        polled = connection.execute(text("SELECT COUNT(*) FROM source_state WHERE last_polled_at IS NOT NULL")).scalar_one()
        held = connection.execute(text("SELECT COUNT(*) FROM lease WHERE key LIKE 'source:%'")).scalar_one()
    return bool(polled == feeds and held == 0)


def _counts(workers: int, seconds: float, cpu: tuple[float, ...], database_cpu: float, server_cpu: float, engine: Engine, server: LocalHTTPServer) -> Run:
    with server._lock:
        paths = [r.path for r in server.requests if r.method == "GET"]
    fetched = Counter(paths)
    with engine.connect() as connection:
        items = connection.execute(text("SELECT COUNT(*) FROM item")).scalar_one()
        story = connection.execute(text("SELECT COUNT(*) FROM alert JOIN item ON item.id = alert.item_id WHERE item.url LIKE '%/story/%'")).scalar_one()
        failures = connection.execute(text("SELECT COUNT(*) FROM source_state WHERE consecutive_failures > 0 OR last_error IS NOT NULL")).scalar_one()
    return Run(
        workers,
        seconds,
        cpu,
        database_cpu,
        server_cpu,
        Counter(n for path, n in fetched.items() if path.startswith("/feed/")),
        Counter(n for path, n in fetched.items() if not path.startswith("/feed/")),
        int(items),
        int(story),
        int(failures),
    )


def worker(url: str, tmp: Path) -> None:
    """One worker process: the daemon's scheduler on the bench's sources, started on "go", stopped at the end of input."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = make_settings(tmp, database_url=url, max_body_bytes=10_000_000)
    with Monitor(settings, lambda: datetime.now(UTC)) as monitor:
        scheduler = build_scheduler(
            monitor.enabled_sources, monitor.deps, settings.delivery_interval, settings.retry_policy(), monitor.rulebook,
            settings.rules_reload_interval, settings.health_policy(), rng=NoSpread(), elections=monitor.knowledge.elections,
        )
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return
        began = time.process_time()
        threading.Thread(target=_stop_at_end_of_input, args=(monitor.stop,), daemon=True).start()
        run_until_stopped(scheduler, monitor.stop)
        print(f"cpu {time.process_time() - began:.3f}", flush=True)


def _stop_at_end_of_input(stop: threading.Event) -> None:
    sys.stdin.read()
    stop.set()


def report(runs: dict[int, Run], pages_served: int) -> None:
    one, two = runs[1], runs[2]
    print(f"{pages_served} pages + {STORY_OUTLETS} copies of one statement, over {sum(one.feed_fetches.values())} feeds")
    for run in runs.values():
        cpu = ", ".join(f"{c:.1f}" for c in run.cpu)
        print(
            f"{run.workers} worker(s): {run.seconds:6.2f} s  {run.items / run.seconds:6.1f} items/s  ({run.items} stored; processor seconds "
            f"per worker {cpu}, database server {run.database_cpu:.1f}, web server {run.server_cpu:.1f})"
        )
    headline("throughput of two workers / one worker", one.seconds / two.seconds, "at least 1.6")
    # The work of one run, shared perfectly over the cores, can take no less than this.
    cores = len(os.sched_getaffinity(0))
    needed = sum(one.cpu) + one.database_cpu + one.server_cpu
    print(f"ceiling on {cores} cores: one worker's run needed {needed:.1f} processor-s in all, at best {needed / cores:.1f} s: a ratio of at most {one.seconds * cores / needed:.2f}")
    for run in runs.values():
        print(
            f"{run.workers} worker(s): feed fetches per feed {_spread(run.feed_fetches)}, page fetches per page {_spread(run.page_fetches)}, "
            f"alerts for the story {run.story_alerts}, false failures {run.false_failures}"
        )


def _spread(counts: Counter[int]) -> str:
    """{1: 100} -> "1 (all 100)"; {1: 98, 2: 2} -> "1-2 (1: 98, 2: 2)"."""
    if len(counts) == 1:
        ((times, how_many),) = counts.items()
        return f"{times} (all {how_many})"
    return f"{min(counts)}-{max(counts)} (" + ", ".join(f"{t}: {n}" for t, n in sorted(counts.items())) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N pages")
    parser.add_argument("--worker", nargs=2, metavar=("URL", "DIR"), help=argparse.SUPPRESS)  # a worker process of the bench
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker[0], Path(args.worker[1]))
    files = pages(args.limit)
    binaries = server_binaries()
    if not files or binaries is None:
        sys.exit("needs the corpus pages and PostgreSQL's server binaries")
    database = ThrowawayPostgres(binaries).start()
    server = LocalHTTPServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            serve(server, files, Path(tmp))
            feeds = min(FEEDS, len(files))
            runs = {}
            for count in (1, 2, 4):
                runs[count] = measure(count, database, Path(tmp), server, feeds)
                print(f"  ({count} worker(s) done: {runs[count].seconds:.2f} s)", file=sys.stderr, flush=True)
    finally:
        server.stop()
        database.stop()
    report(runs, len(files))


if __name__ == "__main__":
    main()
