"""Throughput of `run --once` over real news pages, against trafilatura's extraction alone.

The ~350 pages of the shared corpus (``../shared/corpora/html``) are served from a local HTTP
server ``--copies`` times (default 3) under different URLs, all behind one feed, and one poll takes
them all (the cap on entries per poll raised): one `run --once` fetches, extracts (in the pool
of MONITOR_EXTRACT_WORKERS processes, by default one per core), scores and stores every page.
The baseline is `trafilatura.bare_extraction` on the same bytes, one page after another, in this
one process, in the same run; the goal is a pipeline throughput at least 1.2 times the baseline's.
Also printed: the time to score one article with the whole rule pack, against extracting it.

    make bench            # or: .venv/bin/python bench/pipeline.py [--limit N] [--copies N] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.headline import headline  # noqa: E402
from monitor.daemon.scheduler import poll_all  # noqa: E402
from monitor.daemon.settings import Settings  # noqa: E402
from monitor.daemon.wiring import Monitor, load_knowledge  # noqa: E402
from monitor.detect.article_context import build_context  # noqa: E402
from monitor.detect.document import prepare  # noqa: E402
from monitor.detect.scoring import assess  # noqa: E402
from monitor.ingest.extract import extract_page  # noqa: E402
from monitor.ingest.extraction_pool import available_cores  # noqa: E402
from monitor.models import Source, SourceKind  # noqa: E402
from monitor.store.engine import ensure_schema  # noqa: E402
from testbed.builders import write_sources  # noqa: E402
from testbed.servers import LocalHTTPServer  # noqa: E402
from testbed.settings import make_settings  # noqa: E402

HTML = ROOT.parent / "shared" / "corpora" / "html"


def pages(limit: int | None) -> list[Path]:
    found = sorted(p for folder in ("trafilatura-cache", "trafilatura-eval-news") for p in (HTML / folder).glob("*") if p.is_file())
    return found[:limit] if limit else found


def baseline(files: list[Path], copies: int = 1) -> tuple[float, float]:
    """Seconds (wall, CPU) trafilatura alone takes over every page served (each copy extracted again), in this process."""
    bodies = [path.read_bytes() for path in files]
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(copies):
        for body in bodies:
            trafilatura.bare_extraction(body, with_metadata=True)
    return time.perf_counter() - started, time.process_time() - cpu


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds the processes ``pids`` have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime: the 14th and 15th fields
    return total / os.sysconf("SC_CLK_TCK")


def pipeline(files: list[Path], tmp: Path, copies: int = 1, workers: int | None = None) -> tuple[float, int, float]:
    """Seconds of one poll of a feed listing every page ``copies`` times (the pool's start-up included),
    items stored, and CPU seconds used by this process and the extraction processes together."""
    server = LocalHTTPServer().start()
    try:
        now = datetime(2024, 9, 25, tzinfo=UTC)
        items = []
        for copy in range(copies):
            for index, path in enumerate(files):
                url = server.serve(f"/c{copy}/p/{index}.html", path.read_bytes(), headers={"Content-Type": "text/html"})
                title = f"Page {index} copy {copy} {escape(path.stem)}"
                items.append(f"<item><title>{title}</title><link>{url}</link><guid>c{copy}p{index}</guid><pubDate>{format_datetime(now)}</pubDate></item>")
        server.serve("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{"".join(items)}</channel></rss>')
        write_sources(tmp / "sources.yaml", {"id": "bench", "url": server.url("/feed.xml"), "kind": "state_media"})
        workers = available_cores() if workers is None else workers  # the setting's default
        settings = make_settings(tmp, max_body_bytes=10_000_000, max_entries_per_poll=len(items), extract_workers=workers)
        with Monitor(settings, lambda: now) as monitor:
            ensure_schema(monitor.engine)
            started, cpu = time.perf_counter(), time.process_time()
            (report,) = poll_all(monitor.enabled_sources, monitor.deps)
            elapsed = time.perf_counter() - started
            own = time.process_time() - cpu
            workers_cpu = cpu_seconds(monitor.extraction.processes() if monitor.extraction else [])
            print(f"  (CPU: this process {own:.2f} s, extraction processes {workers_cpu:.2f} s)")
            return elapsed, report.new_items, own + workers_cpu
    finally:
        server.stop()


def scoring_vs_extraction(files: list[Path], tmp: Path) -> tuple[float, float]:
    """Median per article: extraction alone, and context + scoring with the whole pack."""
    knowledge = load_knowledge(make_settings(tmp))
    source = Source.standing_in("b", SourceKind.STATE_MEDIA, "RU")
    extract_times, score_times = [], []
    thresholds = Settings(_env_file=None).thresholds()
    for path in files:
        body = path.read_bytes()
        t0 = time.perf_counter()
        extracted = extract_page(body)
        t1 = time.perf_counter()
        if extracted is None:
            continue
        document = prepare(extracted.title or "", extracted.text)
        # The language the pipeline passes: the page's, as extraction found it.
        language = extracted.language or "und"
        context = build_context(document, source, datetime(2024, 9, 25, tzinfo=UTC), knowledge.gazetteer, knowledge.calendar, language)
        assess(document, context, knowledge.rules, thresholds)
        t2 = time.perf_counter()
        extract_times.append(t1 - t0)
        score_times.append(t2 - t1)
    return statistics.median(extract_times), statistics.median(score_times)


def pages_from_arguments(doc: str) -> list[Path]:
    """The pages a benchmark runs on: all of the corpus, or the first ``--limit N``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N pages")
    files = pages(parser.parse_args().limit)
    if not files:
        sys.exit(f"no pages under {HTML}")
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N pages")
    parser.add_argument("--copies", type=int, default=3, help="serve every page this many times, under different URLs (default 3)")
    parser.add_argument("--workers", type=int, help="MONITOR_EXTRACT_WORKERS for the run (default: the setting's, the cores available)")
    arguments = parser.parse_args()
    files = pages(arguments.limit)
    if not files:
        sys.exit(f"no pages under {HTML}")
    copies, served = arguments.copies, len(files) * arguments.copies
    size = sum(p.stat().st_size for p in files) / 1e6
    workers = available_cores() if arguments.workers is None else arguments.workers
    print(f"{served} pages ({len(files)} pages, {size:.1f} MB, served {copies} times); {workers} extraction processes, {available_cores()} cores")
    base, base_cpu = baseline(files, copies)
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, stored, cpu = pipeline(files, Path(tmp), copies, workers)
        extract_median, score_median = scoring_vs_extraction(files, Path(tmp))
    print(f"trafilatura extraction alone: {base:6.2f} s  {served / base:6.1f} pages/s")
    print(f"run --once (fetch+extract+score+store): {elapsed:6.2f} s  {stored / elapsed:6.1f} items/s  ({stored} stored)")
    print(f"pipeline / extraction-alone time ratio: {elapsed / base:.2f}")
    headline("run --once throughput / trafilatura alone in one process", (stored / elapsed) / (served / base), "at least 1.2")
    # CPU time, unlike wall time, hardly depends on what else the machine runs: the pipeline's per
    # item against trafilatura's per page bounds the ratio above on an idle machine (times the cores).
    print(f"CPU per item: pipeline {cpu / stored * 1000:.1f} ms (all processes), trafilatura alone {base_cpu / served * 1000:.1f} ms")
    print(f"per article, median: extraction {extract_median * 1000:.1f} ms, context+scoring {score_median * 1000:.2f} ms (ratio {score_median / extract_median:.2f})")


if __name__ == "__main__":
    main()
