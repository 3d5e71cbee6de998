"""Backtest speed: items re-scored per second over a database of real pages and our own texts.

The database is filled by one `run --once` over the ~350 news pages of the shared corpus
(``../shared/corpora/html``) and the labelled texts of ``tests/eval`` served as a feed; then
`monitor backtest` runs the shipped rules over it. The baseline, measured in the same run, is
the pipeline's own scoring of the same items (normalise + context + score) without the store.

    .venv/bin/python bench/backtest.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as day_time
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import pages  # noqa: E402
from monitor.daemon.scheduler import poll_all  # noqa: E402
from monitor.daemon.wiring import Monitor, load_knowledge  # noqa: E402
from monitor.detect.rules.loader import load_rules  # noqa: E402
from monitor.review.backtest import backtest, rescore, source_of  # noqa: E402
from monitor.review.evaluation import load_cases  # noqa: E402
from monitor.store.engine import ensure_schema  # noqa: E402
from monitor.store.repo import Store  # noqa: E402
from testbed.builders import write_sources  # noqa: E402
from testbed.servers import LocalHTTPServer  # noqa: E402
from testbed.settings import make_settings  # noqa: E402


def fill(tmp: Path) -> Path:
    server = LocalHTTPServer().start()
    try:
        now = datetime(2024, 9, 25, tzinfo=UTC)
        items = []
        for index, path in enumerate(pages(None)):
            url = server.serve(f"/p/{index}.html", path.read_bytes(), headers={"Content-Type": "text/html"})
            items.append(f"<item><title>Page {index}</title><link>{url}</link><guid>p{index}</guid><pubDate>{format_datetime(now)}</pubDate></item>")
        for case in load_cases(ROOT / "tests" / "eval"):
            published = datetime.combine(case.published, day_time(12), tzinfo=UTC)
            items.append(
                f"<item><title>{escape(case.title or case.id)}</title><guid>{case.id}</guid><link>{server.url('/none/' + case.id)}</link>"
                f"<description>{escape(case.text)}</description><pubDate>{format_datetime(published)}</pubDate></item>"
            )
        server.serve("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{"".join(items)}</channel></rss>')
        write_sources(tmp / "sources.yaml", {"id": "bench", "url": server.url("/feed.xml"), "kind": "state_media", "country": "RU"})
        with Monitor(make_settings(tmp, max_body_bytes=10_000_000), lambda: now) as monitor:
            ensure_schema(monitor.engine)
            poll_all(monitor.enabled_sources, monitor.deps)
    finally:
        server.stop()
    return tmp


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = fill(Path(name))
        settings = make_settings(tmp)
        store = Store(Monitor(settings, lambda: datetime.now(UTC)).engine)
        knowledge = load_knowledge(settings)
        rules = load_rules(ROOT / "rules")
        history = list(store.history(None, None))
        started = time.perf_counter()
        report = backtest(iter(store.history(None, None)), rules, knowledge.gazetteer, knowledge.calendar, settings.thresholds(), store.verdicts())
        elapsed = time.perf_counter() - started

        started = time.perf_counter()
        for item in history:
            source = source_of(item, {})
            if source is not None:
                rescore(item, source, rules, knowledge.gazetteer, knowledge.calendar, settings.thresholds())
        scoring_only = time.perf_counter() - started
    print(f"{report.items} stored items ({report.alerts_before} alerts)")
    print(f"backtest (read history + re-score + diff): {elapsed:6.2f} s  {report.items / elapsed:7.1f} items/s")
    print(f"re-scoring alone, same items in memory:     {scoring_only:6.2f} s  {report.items / scoring_only:7.1f} items/s")
    print(f"backtest / scoring-alone time ratio: {elapsed / scoring_only:.2f}")
    print(f"a year of 50,000 items would take about {50_000 / (report.items / elapsed) / 60:.1f} min")


if __name__ == "__main__":
    main()
