"""From a poll to the alert in chat: how long the founding case's alert takes to reach a channel.

The daemon's scheduler (as `monitor run` builds it, its extraction in a process pool as by
default, deliveries due every 30 s) runs on the demo's sample site, with a local chat service
taking apprise json:// posts. Timed from the moment the scheduler starts, which is when the first
polls fire here (``NoSpread``), to the moment the post arrives: the feeds' fetch, the pages'
fetch and extraction (the pool's start included), scoring, storing, and the delivery. Several
rounds, each on a fresh database. Before alerts rang the delivery job, an alert waited for its
next tick: up to the 30 s of the delivery interval.

    .venv/bin/python bench/alert_latency.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.daemon.scheduler import build_scheduler  # noqa: E402
from monitor.daemon.wiring import Monitor  # noqa: E402
from monitor.demo import demo_sources, serve_sample_site  # noqa: E402
from monitor.store.engine import ensure_schema  # noqa: E402
from testbed.servers import LocalHTTPServer  # noqa: E402
from testbed.settings import make_settings  # noqa: E402
from testbed.timing import NoSpread  # noqa: E402

DELIVERY_EVERY = timedelta(seconds=30)  # the default MONITOR_DELIVERY_INTERVAL


def one_round(folder: Path, base: str, receiver: LocalHTTPServer) -> float:
    """Seconds from the scheduler's start to the alert's post."""
    settings = make_settings(folder, sources_file=demo_sources(base, folder), notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook", extract_workers=2)
    with Monitor(settings, lambda: datetime.now(UTC)) as monitor:
        ensure_schema(monitor.engine)
        scheduler = build_scheduler(monitor.enabled_sources, monitor.deps, DELIVERY_EVERY, settings.retry_policy(), rng=NoSpread())
        posted = len(receiver.hits("/hook", "POST"))
        started = time.perf_counter()
        scheduler.start()
        try:
            while len(receiver.hits("/hook", "POST")) == posted:
                if time.perf_counter() - started > 120:
                    sys.exit("no alert within two minutes")
                time.sleep(0.005)
            return time.perf_counter() - started
        finally:
            monitor.stop.set()
            scheduler.shutdown(wait=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    receiver = LocalHTTPServer().start()
    times = []
    try:
        with serve_sample_site() as base:
            for index in range(args.rounds):
                with tempfile.TemporaryDirectory() as tmp:
                    times.append(one_round(Path(tmp), base, receiver))
                print(f"  round {index + 1}: {times[-1]:.2f} s", file=sys.stderr, flush=True)
    finally:
        receiver.stop()
    print(f"from the first poll to the alert's post in chat, {args.rounds} rounds: median {statistics.median(times):.2f} s, longest {max(times):.2f} s")
    print(f"(without the bell an alert waited for the delivery job's next tick: up to {DELIVERY_EVERY.total_seconds():.0f} s more)")


if __name__ == "__main__":
    main()
