"""Throughput of `run --once` over real news pages, against trafilatura's extraction alone.

The ~350 pages of the shared corpus (``../shared/corpora/html``) are served from a local HTTP
server behind one feed; one `run --once` fetches, extracts, scores and stores every page. The
baseline is `trafilatura.bare_extraction` on the same bytes, in the same process, in the same
run. Also printed: the time to score one article with the whole rule pack, against extracting it.

    make bench            # or: .venv/bin/python bench/pipeline.py [--limit N]
"""

from __future__ import annotations

import argparse
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

from monitor.daemon.scheduler import poll_all  # noqa: E402
from monitor.daemon.settings import Settings  # noqa: E402
from monitor.daemon.wiring import Monitor, load_knowledge  # noqa: E402
from monitor.detect.article_context import build_context  # noqa: E402
from monitor.detect.document import prepare  # noqa: E402
from monitor.detect.scoring import assess  # noqa: E402
from monitor.ingest.extract import extract_page  # noqa: E402
from monitor.models import Source, SourceKind  # noqa: E402
from monitor.store.engine import ensure_schema  # noqa: E402
from testbed.builders import write_sources  # noqa: E402
from testbed.servers import LocalHTTPServer  # noqa: E402
from testbed.settings import make_settings  # noqa: E402

HTML = ROOT.parent / "shared" / "corpora" / "html"


def pages(limit: int | None) -> list[Path]:
    found = sorted(p for folder in ("trafilatura-cache", "trafilatura-eval-news") for p in (HTML / folder).glob("*") if p.is_file())
    return found[:limit] if limit else found


def baseline(files: list[Path]) -> float:
    started = time.perf_counter()
    for path in files:
        trafilatura.bare_extraction(path.read_bytes(), with_metadata=True)
    return time.perf_counter() - started


def pipeline(files: list[Path], tmp: Path) -> tuple[float, int]:
    server = LocalHTTPServer().start()
    try:
        now = datetime(2024, 9, 25, tzinfo=UTC)
        items = []
        for index, path in enumerate(files):
            url = server.serve(f"/p/{index}.html", path.read_bytes(), headers={"Content-Type": "text/html"})
            items.append(f"<item><title>Page {index} {escape(path.stem)}</title><link>{url}</link><guid>p{index}</guid><pubDate>{format_datetime(now)}</pubDate></item>")
        server.serve("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{"".join(items)}</channel></rss>')
        write_sources(tmp / "sources.yaml", {"id": "bench", "url": server.url("/feed.xml"), "kind": "state_media"})
        with Monitor(make_settings(tmp, max_body_bytes=10_000_000), lambda: now) as monitor:
            ensure_schema(monitor.engine)
            started = time.perf_counter()
            (report,) = poll_all(monitor.enabled_sources, monitor.deps)
            return time.perf_counter() - started, report.new_items
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
    files = pages_from_arguments(__doc__ or "")
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} pages, {size:.1f} MB")
    base = baseline(files)
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, stored = pipeline(files, Path(tmp))
        extract_median, score_median = scoring_vs_extraction(files, Path(tmp))
    print(f"trafilatura extraction alone: {base:6.2f} s  {len(files) / base:6.1f} pages/s")
    print(f"run --once (fetch+extract+score+store): {elapsed:6.2f} s  {stored / elapsed:6.1f} items/s  ({stored} stored)")
    print(f"pipeline / extraction-alone time ratio: {elapsed / base:.2f}")
    print(f"per article, median: extraction {extract_median * 1000:.1f} ms, context+scoring {score_median * 1000:.2f} ms (ratio {score_median / extract_median:.2f})")


if __name__ == "__main__":
    main()
