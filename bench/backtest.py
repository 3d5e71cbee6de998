"""Backtest speed: items re-scored per second over a database of real pages and our own texts.

The database is filled by one `run --once` over the ~350 news pages of the shared corpus
(``../shared/corpora/html``), each served three times (three items per page), and the
labelled texts of ``tests/eval`` served as a feed; the pipeline keeps each item's analysis.
Then the backtest runs the shipped rules over it: each item's kept analysis read in bulk, the
scoring spread over the cores. Measured in the same run, for comparison: the old way
(normalise + context + score from the raw text of every item, in memory, one process), a
backtest with no kept analyses (a database from before they were kept), and trafilatura's
extraction of the pages, which the backtest's time per item is compared with.

    .venv/bin/python bench/backtest.py [--limit N] [--processes N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from email.utils import format_datetime
from itertools import chain
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from bench.headline import headline  # noqa: E402
from bench.pipeline import pages  # noqa: E402
from monitor.daemon.scheduler import poll_all  # noqa: E402
from monitor.daemon.wiring import Knowledge, Monitor, load_knowledge  # noqa: E402
from monitor.detect.rules.loader import load_rules  # noqa: E402
from monitor.detect.rules.ruleset import RuleSet  # noqa: E402
from monitor.models import Thresholds  # noqa: E402
from monitor.review.backtest import BacktestReport, backtest, rescore, source_of  # noqa: E402
from monitor.review.evaluation import load_cases  # noqa: E402
from monitor.review.rescoring import Scorer, processes_for, score_all  # noqa: E402
from monitor.store.engine import ensure_schema, make_engine  # noqa: E402
from monitor.store.features import FEATURES  # noqa: E402
from monitor.store.repo import Store, StoredItem  # noqa: E402
from testbed.builders import write_sources  # noqa: E402
from testbed.servers import LocalHTTPServer  # noqa: E402
from testbed.settings import make_settings  # noqa: E402


def fill(tmp: Path, copies: int = 3, limit: int | None = None) -> Path:
    server = LocalHTTPServer().start()
    try:
        now = datetime(2024, 9, 25, tzinfo=UTC)
        items = []
        for copy in range(copies):
            for index, path in enumerate(pages(limit)):
                url = server.serve(f"/p/{copy}/{index}.html", path.read_bytes(), headers={"Content-Type": "text/html"})
                guid = f"p{copy}-{index}"
                items.append(f"<item><title>Page {copy}-{index}</title><link>{url}</link><guid>{guid}</guid><pubDate>{format_datetime(now)}</pubDate></item>")
        for case in load_cases(ROOT / "tests" / "eval"):
            published = datetime.combine(case.published, day_time(12), tzinfo=UTC)
            items.append(
                f"<item><title>{escape(case.title or case.id)}</title><guid>{case.id}</guid><link>{server.url('/none/' + case.id)}</link>"
                f"<description>{escape(case.text)}</description><pubDate>{format_datetime(published)}</pubDate></item>"
            )
        server.serve("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{"".join(items)}</channel></rss>')
        write_sources(tmp / "sources.yaml", {"id": "bench", "url": server.url("/feed.xml"), "kind": "state_media", "country": "RU"})
        with Monitor(make_settings(tmp, max_body_bytes=10_000_000, max_entries_per_poll=100_000, poll_deadline=timedelta(hours=24)), lambda: now) as monitor:
            ensure_schema(monitor.engine)
            poll_all(monitor.enabled_sources, monitor.deps)
    finally:
        server.stop()
    return tmp


def extraction_per_page(files: list[Path]) -> float:
    """trafilatura's time per page (what the pipeline pays for each page it fetches)."""
    started = time.perf_counter()
    for path in files:
        trafilatura.bare_extraction(path.read_bytes(), with_metadata=True)
    return (time.perf_counter() - started) / len(files)


def old_way(history: list[StoredItem], rules: RuleSet, knowledge: Knowledge, thresholds: Thresholds) -> float:
    """Seconds to re-score every item from its raw text in one process (as backtests did)."""
    started = time.perf_counter()
    for item in history:
        source = source_of(item, {})
        if source is not None:
            rescore(item, source, rules, knowledge.gazetteer, knowledge.calendar, thresholds)
    return time.perf_counter() - started


def timed_backtest(store: Store, rules: RuleSet, knowledge: Knowledge, thresholds: Thresholds, processes: int) -> tuple[float, BacktestReport]:
    started = time.perf_counter()
    history = chain.from_iterable(store.history_batches(None, None))
    report = backtest(history, rules, knowledge.gazetteer, knowledge.calendar, thresholds, store.verdicts(), processes=processes, keep=store.save_features)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N pages")
    parser.add_argument("--processes", type=int, help="processes for the backtest (default: one per core)")
    args = parser.parse_args()
    files = pages(args.limit)
    with tempfile.TemporaryDirectory() as name:
        tmp = fill(Path(name), limit=args.limit)
        settings = make_settings(tmp)
        store = Store(make_engine(settings.database_url))
        knowledge, rules, thresholds = load_knowledge(settings), load_rules(ROOT / "rules"), settings.thresholds()
        history = [item for item, _ in chain.from_iterable(store.history_batches(None, None))]
        processes = processes_for(None, args.processes)
        one_elapsed, one_report = timed_backtest(store, rules, knowledge, thresholds, 1)
        elapsed, report = timed_backtest(store, rules, knowledge, thresholds, processes)
        with store.engine.begin() as connection:
            connection.execute(delete(FEATURES))  # as a database from before analyses were kept
        cold_elapsed, cold_report = timed_backtest(store, rules, knowledge, thresholds, processes)
        scoring_only = old_way(history, rules, knowledge, thresholds)
        started = time.perf_counter()
        list(score_all([], Scorer(rules, knowledge.gazetteer, knowledge.calendar, thresholds), max(processes, 2)))
        start_up = time.perf_counter() - started
    assert report == one_report == cold_report, "the backtest gave different results"
    extraction = extraction_per_page(files)
    items = report.items
    rate = items / elapsed
    print(f"{items} stored items ({report.alerts_before} alerts), {len(files)} pages")
    print(f"backtest, kept analyses, {processes} processes: {elapsed:6.2f} s  {rate:7.1f} items/s")
    headline("backtest, items/s per core", rate / processes, "at least 2,000")
    print(f"backtest, kept analyses, 1 process:          {one_elapsed:6.2f} s  {items / one_elapsed:7.1f} items/s")
    print(f"backtest, nothing kept (computed and kept):  {cold_elapsed:6.2f} s  {items / cold_elapsed:7.1f} items/s")
    print(f"old way, re-scoring raw texts in memory:     {scoring_only:6.2f} s  {items / scoring_only:7.1f} items/s")
    print(f"speed-up over the old way: {scoring_only / elapsed:.1f}x ({scoring_only / one_elapsed:.1f}x on one process)")
    print(f"starting and stopping a pool of {max(processes, 2)} workers: {start_up * 1000:.0f} ms")
    print(f"trafilatura extraction: {extraction * 1000:.1f} ms per page")
    print(f"old way: re-scoring time per item / extraction time per page {scoring_only / items / extraction:.2f}")
    headline("backtest time per item / extraction per page", elapsed / items / extraction, "at most 0.05")
    print(f"a year of 50,000 items would take about {50_000 / rate / 60:.1f} min")


if __name__ == "__main__":
    main()
