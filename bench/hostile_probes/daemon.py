"""Probes 4 to 7: the scheduler with every poll hung, a delivery worker killed mid-send, the pipeline on a long feed and a garbage page."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from bench.hostile_probes.measure import ROOT, now
from monitor.daemon.pipeline import poll_source
from monitor.daemon.scheduler import build_scheduler
from monitor.daemon.wiring import Monitor
from monitor.models import AlertKind, RetryPolicy
from monitor.notify.channels import build_channels
from monitor.notify.outbox import LEASE, deliver_pending
from monitor.store.engine import ensure_schema, make_engine, upgrade
from monitor.store.repo import Store
from monitor.store.tables import Item
from testbed.builders import page, rss, write_sources
from testbed.delivery_worker import ALERTS, POLICY, WORKER
from testbed.servers import DribbleServer, HoldingReceiver, LocalHTTPServer
from testbed.settings import make_settings
from testbed.timing import NoSpread, wait_for

# -- 4. the scheduler --------------------------------------------------------------------------


def probe_hung_polls(tmp: Path) -> str:
    sources = 10
    dribble = DribbleServer(interval=0.5, length=120).start()
    receiver = LocalHTTPServer().start()
    write_sources(tmp / "sources.yaml", *({"id": f"slow-{i}", "url": dribble.url(f"/feed-{i}.xml"), "interval": "15m"} for i in range(sources)))
    settings = make_settings(tmp, notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook")
    try:
        with Monitor(settings, now) as monitor:
            ensure_schema(monitor.engine)
            scheduler = build_scheduler(monitor.enabled_sources, monitor.deps, timedelta(seconds=1), RetryPolicy(), rng=NoSpread())
            store = monitor.deps.store
            scheduler.start()
            try:
                if not wait_for(lambda: dribble.connections >= sources, 30):
                    return f"the polls did not start: {dribble.connections} of {sources} connections in 30 s"
                added = time.monotonic()
                store.add_operational_alert("[OPERATIONAL] bench alert", "stored while every poll hangs", monitor.deps.router.operational(), now())
                delivered = wait_for(lambda: bool(receiver.hits("/hook", "POST")), 30)
                delivery = f"delivered after {time.monotonic() - added:.1f} s" if delivered else "not delivered within 30 s"
            finally:
                monitor.stop.set()
                stopping = time.monotonic()
                scheduler.shutdown(wait=True)
                shutdown = time.monotonic() - stopping
            failures = sum(store.source_status(s.id).consecutive_failures for s in monitor.enabled_sources)
    finally:
        dribble.stop()
        receiver.stop()
    return (
        f"{sources} sources dribbling a byte every 0.5 s (60 s a feed, MONITOR_FETCH_DEADLINE={settings.fetch_deadline:g}), "
        f"{dribble.connections} polls hung: the pending alert {delivery}; shutdown with them in flight {shutdown:.1f} s "
        f"({failures} polls counted as failures)"
    )


# -- 5. the outbox -----------------------------------------------------------------------------


def probe_killed_worker(tmp: Path) -> str:
    receiver = HoldingReceiver()
    database = f"sqlite:///{tmp}/outbox.db"
    store = Store(make_engine(database))
    upgrade(store.engine)
    channels = build_channels((receiver.url,), None)
    for number in range(ALERTS):
        store.add_message(AlertKind.OPERATIONAL, f"alert {number}", "body", channels.targets, now())
    receiver.hold.set()
    worker = subprocess.Popen([sys.executable, "-c", WORKER, database, receiver.url], cwd=ROOT)
    try:
        reached = wait_for(lambda: bool(receiver.titles) or worker.poll() is not None, 60) and bool(receiver.titles)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    if not reached:
        receiver.stop()
        return "the worker never reached the receiver"
    held = list(receiver.titles)
    receiver.hold.clear()
    receiver.release.set()
    started = time.monotonic()
    next_run = deliver_pending(store, channels, now, POLICY).sent
    took = time.monotonic() - started
    duplicates = sum(n - 1 for n in Counter(receiver.titles).values())
    after_lease = deliver_pending(store, channels, lambda: now() + LEASE + timedelta(seconds=1), POLICY).sent
    repeated = sorted(title for title, n in Counter(receiver.titles).items() if n > 1)
    missing = ALERTS - len(set(receiver.titles))
    receiver.stop()
    never_attempted = ALERTS - len(held)
    return (
        f"SIGKILL while the receiver held {held[0]!r} ({len(held)} of {ALERTS} sent): the next run sent {next_run} of the "
        f"{never_attempted} never attempted at once ({took:.1f} s), {duplicates} duplicates; after the {LEASE.total_seconds() / 60:g}-minute "
        f"lease it sent {after_lease} more (repeated: {', '.join(repeated) or 'none'}); {missing} never delivered"
    )


# -- 6, 7. the pipeline ------------------------------------------------------------------------


def probe_pipeline(tmp: Path) -> tuple[str, str]:
    """Probes 6 and 7 share one monitor (one source each)."""
    total, cap = 500, 50
    server = LocalHTTPServer().start()
    server.serve("/feed.xml", rss(*({"title": f"Statement {i} on transit", "link": server.url(f"/s{i}.html"), "guid": f"s{i}"} for i in range(total))))
    for i in range(total):
        server.serve(f"/s{i}.html", page(f"Statement {i} on transit", f"Text {i} about transit and trade."), headers={"Content-Type": "text/html"})
    summary = "Summary of the statement."
    server.serve("/binary.xml", rss({"title": "A statement behind garbage", "link": server.url("/garbage.html"), "guid": "g1", "description": summary}))
    garbage = b"<html><body><p>" + random.Random(7).randbytes(120_000) + b"</p></body></html>"
    server.serve("/garbage.html", garbage, headers={"Content-Type": "text/html"})
    write_sources(tmp / "sources.yaml", {"id": "long-feed", "url": server.url("/feed.xml")}, {"id": "garbage", "url": server.url("/binary.xml")})
    try:
        with Monitor(make_settings(tmp, max_entries_per_poll=cap), now) as monitor:
            ensure_schema(monitor.engine)
            long_feed, garbage_feed = monitor.sources

            def pages_fetched() -> list[str]:
                return [r.path for r in server.requests if r.path.startswith("/s")]

            started = time.monotonic()
            per_poll: list[int] = []
            while len(per_poll) < 2 * total // cap:
                before = len(pages_fetched())
                report = poll_source(long_feed, monitor.deps)
                per_poll.append(len(pages_fetched()) - before)
                if report.status != "ok" or not report.deferred:
                    break
            seconds = time.monotonic() - started
            fetched = pages_fetched()
            with Session(monitor.engine) as session:
                stored = session.exec(select(Item.url).where(Item.source_id == long_feed.id)).all()
            line6 = (
                f"feed of {total} entries, MONITOR_MAX_ENTRIES_PER_POLL={cap}: the first poll fetched {per_poll[0]} pages; "
                f"{len(per_poll)} polls took all (pages per poll {min(per_poll)}-{max(per_poll)}); {len(set(stored))} distinct items stored "
                f"({len(stored)} rows), {len(fetched)} page fetches for {len(set(fetched))} pages; {seconds:.0f} s"
            )

            report = poll_source(garbage_feed, monitor.deps)
            with Session(monitor.engine) as session:
                items = session.exec(select(Item).where(Item.source_id == garbage_feed.id)).all()
            if len(items) != 1:
                return line6, f"{len(items)} items stored for the garbage page (poll {report.status}, errors {report.errors})"
            item = items[0]
            line7 = (
                f"{len(garbage):,} bytes of random bytes behind '<html><body><p>' (text/html): the item's text is {len(item.text)} characters "
                f"({'the feed summary' if item.text == summary else 'NOT the feed summary'}, extraction {item.extraction}); "
                f"error recorded: {item.extraction_error!r}"
            )
    finally:
        server.stop()
    return line6, line7
