"""The hardening issue's fault probes, run again against the current code: one line per probe.

Every probe drives the project's own code (the fetcher, the pipeline, the scheduler, the outbox,
the verdict endpoint, the command line, the rule loader, the address guard) against real local
servers on ports chosen by the system; nothing leaves the machine. What each line gives:

 1. scoring with the shipped rules (``assess_text``), once the matchers are built: the peak memory
    (tracemalloc) for a text holding one 100,000-letter word, and the peak bytes per character for
    ~1 MB of distinct 40-letter words (the process's first scoring, which builds the matchers, apart);
 2. a body sent with ``Content-Encoding: gzip, gzip`` whose inner layer inflates to 200 MB (a few
    hundred bytes on the wire): the fetcher's peak memory while it refuses it, and its error;
 3. a server sending one byte of the body every 0.5 s, with MONITOR_FETCH_DEADLINE=2 (the read
    timeout left at 15 s): the seconds until the fetcher gives up, and its error;
 4. ten sources dribbling like that (60 s a feed, default deadline) on the daemon's scheduler, all
    poll threads held, and an operational alert pending: the seconds until the alert reaches the
    chat receiver, then the seconds the shutdown takes with the ten polls still in flight;
 5. a delivery worker (a child process) sending 5 alerts to a receiver that holds the first one,
    killed with SIGKILL: how many of the 4 deliveries it never attempted the next run sends at once,
    the duplicates among them, and what the one in flight does after its lease;
 6. a feed of 500 entries (small pages) with MONITOR_MAX_ENTRIES_PER_POLL=50: the pages fetched by
    the first poll, the polls it takes to read the whole feed, the distinct items stored;
 7. random bytes behind an HTML header served as an entry's page: the text stored for the item (in
    characters) and the extraction error recorded;
 8. the verdict endpoint (MONITOR_HTTP_TIMEOUT=1s, 32 connections at most) sent 200 half requests
    at once: how many connections it closes after the timeout, how many it answers 503 at once, and
    the peak number of its threads (more than 32 may be held in all: the connects beyond the listen
    queue are retried by the kernel a second later, when the first 32 have freed their slots);
 9. the endpoint sent ``sig=%C3%A9`` and a validly signed ``alert=10**30``: the HTTP status (GET and POST);
10. one verdict link opened twice (GET) then confirmed twice (POST): the verdict rows stored;
11. ``monitor run --once`` (``monitor.cli.main.main``) with a rule file in Latin-1, then with
    MONITOR_LOG_LEVEL=LOUD: the exit code and the one line printed;
12. the same with MONITOR_MAX_BODY_BYTES=-1, MONITOR_READ_TIMEOUT=-1, MONITOR_CONNECT_TIMEOUT=0,
    MONITOR_MAX_REDIRECTS=-1, MONITOR_HTTP_LISTEN=nonsense, and a source URL holding a line break,
    one at a time: the exit code, and whether a database file was created;
13. a rule whose regex is ``(a|aa)+$``, ``((a+))+$`` or ``(a|a)*$``: refused by the pattern check
    at load, and why;
14. IPv6 forms that lead to loopback, site-local or the 169.254.169.254 metadata address (NAT64,
    6to4, Teredo, IPv4-compatible and -mapped), and that address itself, fetched with the default
    guard: how many are refused, and how many connections were attempted (none should be); and,
    checked only, whether the NAT64 and 6to4 forms of a public address still pass.

It takes a minute or two on a two-core machine, most of it in probe 6 (500 pages extracted and
stored). The monitor's own log is silenced; the figures are the output.

    .venv/bin/python bench/hostile_inputs.py
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import random
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from unittest import mock
from urllib.parse import parse_qsl, urlencode

import httpx
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.cli.main import main as cli_main  # noqa: E402
from monitor.daemon.endpoint import EndpointLimits, serve_verdicts  # noqa: E402
from monitor.daemon.pipeline import poll_source  # noqa: E402
from monitor.daemon.scheduler import build_scheduler  # noqa: E402
from monitor.daemon.settings import Settings  # noqa: E402
from monitor.daemon.wiring import Knowledge, Monitor, load_knowledge, make_fetcher  # noqa: E402
from monitor.detect.rules.loader import load_rules  # noqa: E402
from monitor.detect.scoring import assess_text  # noqa: E402
from monitor.errors import AddressRefused, FetchError, RuleError  # noqa: E402
from monitor.ingest.guard import AddressGuard  # noqa: E402
from monitor.models import AlertKind, RetryPolicy, Source, SourceKind  # noqa: E402
from monitor.notify.channels import build_channels  # noqa: E402
from monitor.notify.links import LinkSigner  # noqa: E402
from monitor.notify.outbox import LEASE, deliver_pending  # noqa: E402
from monitor.store.engine import ensure_schema, make_engine, upgrade  # noqa: E402
from monitor.store.repo import Store  # noqa: E402
from monitor.store.tables import Item, VerdictRevision  # noqa: E402
from testbed.builders import count_rows, page, rss, write_sources  # noqa: E402
from testbed.delivery_worker import ALERTS, POLICY, WORKER  # noqa: E402
from testbed.servers import DribbleServer, HoldingReceiver, LocalHTTPServer  # noqa: E402
from testbed.settings import make_settings  # noqa: E402
from testbed.timing import NoSpread, wait_for  # noqa: E402

T = TypeVar("T")
MB = 1_000_000
PUBLISHED = datetime(2024, 9, 25, tzinfo=UTC)  # less than three weeks before Lithuania's vote: the windowed rules run


def now() -> datetime:
    return datetime.now(UTC)


def measured(action: Callable[[], T]) -> tuple[T | FetchError, int, float]:
    """What ``action`` returned (or raised), the peak of memory traced while it ran, and its seconds."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome: T | FetchError = action()
    except FetchError as exc:  # the probes that expect a refusal report it
        outcome = exc
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, peak, seconds


def described(outcome: object) -> str:
    return f"{type(outcome).__name__}: {outcome}" if isinstance(outcome, Exception) else f"accepted ({type(outcome).__name__})"


# -- 1. scoring --------------------------------------------------------------------------------


def probe_scoring(settings: Settings, knowledge: Knowledge) -> str:
    source = Source.standing_in("bench", SourceKind.OFFICIAL, "BY")

    def score(title: str, text: str) -> object:
        return assess_text(title, text, source, PUBLISHED, knowledge.gazetteer, knowledge.calendar, knowledge.rules, settings.thresholds())

    # The first scoring of a process builds the lexicon's matchers: measured apart, not charged to the texts.
    _, first_peak, _ = measured(lambda: score("Warm-up", "Lithuanians must vote correctly, the minister said."))
    rng = random.Random(1)
    word = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=100_000))
    _, word_peak, word_seconds = measured(lambda: score("One long word", f"Lithuanians must vote correctly. {word} End."))
    words: set[str] = set()
    while len(words) * 41 < MB:
        words.add("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=40)))
    text = " ".join(sorted(words, key=lambda _: rng.random()))
    _, text_peak, text_seconds = measured(lambda: score("Distinct words", text))
    return (
        f"scoring: one 100,000-letter word: peak {word_peak / MB:.1f} MB ({word_seconds:.2f} s); "
        f"{len(text):,} characters of distinct 40-letter words: peak {text_peak / len(text):.1f} bytes per character "
        f"({text_peak / MB:.1f} MB, {text_seconds:.1f} s traced); the process's first scoring, which builds the matchers: peak {first_peak / MB:.0f} MB"
    )


# -- 2, 3. the fetcher -------------------------------------------------------------------------


def gzip_of_zeros(size: int) -> bytes:
    """A gzip member inflating to ``size`` zero bytes, built a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MB)
    parts = [packer.compress(block[: min(MB, size - done)]) for done in range(0, size, MB)]
    return b"".join(parts) + packer.flush()


def probe_double_gzip(tmp: Path) -> str:
    inner = gzip_of_zeros(200 * MB)
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = packer.compress(inner) + packer.flush()
    del inner
    server = LocalHTTPServer().start()
    settings = make_settings(tmp)
    fetcher = make_fetcher(settings)
    try:
        url = server.serve("/bomb.xml", bomb, headers={"Content-Encoding": "gzip, gzip", "Content-Type": "application/rss+xml"})
        outcome, peak, seconds = measured(lambda: fetcher.get(url))
    finally:
        fetcher.close()
        server.stop()
    return (
        f"'Content-Encoding: gzip, gzip', {len(bomb)} bytes on the wire, 200 MB inside (MONITOR_MAX_BODY_BYTES={settings.max_body_bytes}): "
        f"peak {peak / MB:.2f} MB, {seconds:.2f} s; {described(outcome)}"
    )


def probe_dribble(tmp: Path) -> str:
    settings = make_settings(tmp, fetch_deadline=2.0)
    server = DribbleServer(interval=0.5, length=120).start()  # a minute for the whole body
    fetcher = make_fetcher(settings)
    try:
        started = time.monotonic()
        try:
            fetcher.get(server.url("/feed.xml"))
            outcome = "fetched to the end"
        except FetchError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        seconds = time.monotonic() - started
    finally:
        fetcher.close()
        server.stop()
    return (
        f"one byte every 0.5 s (120 bytes), MONITOR_FETCH_DEADLINE={settings.fetch_deadline:g}, "
        f"MONITOR_READ_TIMEOUT={settings.read_timeout:g}: gave up after {seconds:.1f} s; {outcome}"
    )


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


# -- 8, 9, 10. the verdict endpoint -------------------------------------------------------------


@dataclass
class Endpoint:
    base: str
    port: int
    store: Store
    signer: LinkSigner
    alert_id: int
    limits: EndpointLimits

    def link_query(self, verdict: str) -> str:
        return self.signer.links(self.alert_id, now())[verdict].split("?", 1)[1]


@contextlib.contextmanager
def verdict_endpoint(tmp: Path) -> Iterator[Endpoint]:
    store = Store(make_engine(f"sqlite:///{tmp}/endpoint.db"))
    upgrade(store.engine)
    alert_id = store.add_message(AlertKind.OPERATIONAL, "an alert", "body", ("log",), now())
    signer = LinkSigner(b"bench-secret", "http://127.0.0.1:1", timedelta(days=14))
    limits = EndpointLimits(timeout=1.0, max_connections=32)
    server = serve_verdicts("127.0.0.1", 0, signer, store.mark, now, limits)
    port = int(server.server_address[1])
    try:
        yield Endpoint(f"http://127.0.0.1:{port}", port, store, signer, alert_id, limits)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class HalfRequest:
    """One client connection of probe 8: when its half request went out, what came back, when it was closed."""

    sent: float | None = None
    answer: bytearray = field(default_factory=bytearray)
    closed_after: float | None = None


def probe_half_requests(endpoint: Endpoint, count: int = 200) -> str:
    """``count`` connections opened at once, each sending the start of a request and nothing more.

    The connects are non-blocking: a burst larger than the listen queue has some connects retried by
    the kernel a second later, and a blocking loop would then delay the reading of every answer.
    Each connection's times are counted from the moment its half request went out.
    """
    baseline = threading.active_count()
    peak = 0
    selector = selectors.DefaultSelector()
    clients: list[HalfRequest] = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", endpoint.port))
        clients.append(HalfRequest())
        selector.register(sock, selectors.EVENT_WRITE, clients[-1])
    give_up = time.monotonic() + 10 * endpoint.limits.timeout + 5
    while selector.get_map() and time.monotonic() < give_up:
        for key, _ in selector.select(timeout=0.05):
            conn, client = key.fileobj, key.data
            assert isinstance(conn, socket.socket) and isinstance(client, HalfRequest)
            if client.sent is None:  # connected: send half a request, then only listen
                conn.send(b"GET /verdict?alert=1&ver")
                client.sent = time.monotonic()
                selector.modify(conn, selectors.EVENT_READ, client)
                continue
            try:
                data = conn.recv(4096)
            except ConnectionResetError:  # closed with our half request unread: a reset
                data = b""
            if data:
                client.answer.extend(data)
                continue
            selector.unregister(conn)
            conn.close()
            client.closed_after = time.monotonic() - client.sent
        peak = max(peak, threading.active_count() - baseline)
    for key in list(selector.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    selector.close()
    timeout = endpoint.limits.timeout
    closed = [c for c in clients if c.closed_after is not None]
    busy = [c.closed_after for c in closed if c.answer.startswith(b"HTTP/1.0 503") and c.closed_after is not None]
    timed_out = [c.closed_after for c in closed if not c.answer and c.closed_after is not None and c.closed_after >= 0.9 * timeout]
    early = len(closed) - len(busy) - len(timed_out)
    health = httpx.get(f"{endpoint.base}/health").status_code
    wait_for(lambda: threading.active_count() <= baseline, 2)  # the last handler threads winding down
    after = threading.active_count() - baseline
    timed_out_text = f"{len(timed_out)} closed unanswered after the timeout ({min(timed_out):.2f}-{max(timed_out):.2f} s)" if timed_out else "none after the timeout"
    busy_text = f"{len(busy)} answered 503 at once (within {max(busy):.2f} s)" if busy else "none answered 503"
    return (
        f"{count} half-sent requests, MONITOR_HTTP_TIMEOUT={timeout:g}s, MONITOR_HTTP_MAX_CONNECTIONS={endpoint.limits.max_connections}: "
        f"{len(closed)} closed by the server: {timed_out_text}, {busy_text}, {early} otherwise; {count - len(closed)} left open; "
        f"server threads at the peak {peak}, afterwards {after}; /health then answers {health}"
    )

def probe_malformed_links(endpoint: Endpoint) -> str:
    good = endpoint.link_query("fp")
    huge = 10**30
    expires = 2_000_000_000
    cases = {
        "sig=%C3%A9": good.rsplit("sig=", 1)[0] + "sig=%C3%A9",
        "signed alert=10**30": urlencode({"alert": huge, "verdict": "fp", "expires": expires, "sig": endpoint.signer._signature(huge, "fp", expires)}),
    }
    answers = []
    for name, query in cases.items():
        got = httpx.get(f"{endpoint.base}/verdict?{query}").status_code
        posted = httpx.post(f"{endpoint.base}/verdict", content=query.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code
        answers.append(f"{name}: GET {got}, POST {posted}")
    return "; ".join(answers) + f"; verdict rows {count_rows(endpoint.store, VerdictRevision)}"


def probe_repeated_link(endpoint: Endpoint) -> str:
    query = endpoint.link_query("fp")
    link = f"{endpoint.base}/verdict?{query}"
    gets = [httpx.get(link).status_code for _ in range(2)]
    after_gets = count_rows(endpoint.store, VerdictRevision)
    fields = dict(parse_qsl(query))
    posts = [httpx.post(f"{endpoint.base}/verdict", data=fields).status_code for _ in range(2)]
    verdict = endpoint.store.verdicts().get(endpoint.alert_id)
    return (
        f"one link, GET twice (HTTP {gets[0]}, {gets[1]}): {after_gets} verdict rows; then POST twice (HTTP {posts[0]}, {posts[1]}): "
        f"{count_rows(endpoint.store, VerdictRevision)} verdict rows, the alert's verdict {verdict and verdict.value!r}"
    )


# -- 11, 12. the command line ------------------------------------------------------------------


GOOD_SOURCES = "sources:\n  - id: s\n    name: S\n    url: http://127.0.0.1:9/feed.xml\n    kind: official\n    country: BY\n"


@contextlib.contextmanager
def environment(variables: dict[str, str], cwd: Path) -> Iterator[None]:
    """Only these MONITOR_* variables set, and ``cwd`` (which holds no .env) as the working directory."""
    saved, here = dict(os.environ), Path.cwd()
    for name in [n for n in os.environ if n.startswith("MONITOR_")]:
        del os.environ[name]
    os.environ.update(variables)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


def run_once(tmp: Path, overrides: dict[str, str], sources: str = GOOD_SOURCES, rules_dir: Path | None = None) -> tuple[int, list[str], bool]:
    """``monitor run --once`` through ``monitor.cli.main.main`` in a fresh directory: exit code, stderr lines, database created."""
    work = Path(tempfile.mkdtemp(dir=tmp))
    (work / "sources.yaml").write_text(sources, encoding="utf-8")
    database = work / "monitor.db"
    variables = {
        "MONITOR_DATABASE_URL": f"sqlite:///{database}",
        "MONITOR_SOURCES_FILE": str(work / "sources.yaml"),
        "MONITOR_RULES_DIR": str(rules_dir or ROOT / "rules"),
        "MONITOR_ELECTIONS_FILE": str(ROOT / "data" / "elections.yaml"),
        "MONITOR_COUNTRIES_FILE": str(ROOT / "data" / "countries.yaml"),
        "MONITOR_ALLOW_PRIVATE_ADDRESSES": "127.0.0.1",
        "MONITOR_CONNECT_TIMEOUT": "1",
        **overrides,
    }
    err, out = io.StringIO(), io.StringIO()
    with environment(variables, work), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli_main(["run", "--once"])
    return code, [line for line in err.getvalue().splitlines() if line.strip()], database.exists()


def probe_unreadable_config(tmp: Path) -> str:
    rules = tmp / "latin1-rules"
    rules.mkdir()
    (rules / "ministere.yaml").write_bytes("rules:\n  - id: x\n    title: Minist\xe8re des Affaires \xe9trang\xe8res\n".encode("latin-1"))
    answers = []
    for name, overrides, rules_dir in (("a rule file in Latin-1", {}, rules), ("MONITOR_LOG_LEVEL=LOUD", {"MONITOR_LOG_LEVEL": "LOUD"}, None)):
        code, lines, _ = run_once(tmp, overrides, rules_dir=rules_dir)
        shown = lines[0].replace(str(rules), "<rules>") if lines else ""
        answers.append(f"{name}: exit {code}, {len(lines)} line{'s' if len(lines) != 1 else ''}: {shown!r}")
    return "; ".join(answers)


def probe_bad_settings(tmp: Path) -> str:
    # (what is set, the variables, the sources file, what the error line must name)
    with_line_break = GOOD_SOURCES.replace("url: http://127.0.0.1:9/feed.xml", 'url: "http://127.0.0.1:9/a\\nb.xml"')
    cases = [(f"{name}={value}", {name: value}, GOOD_SOURCES, name) for name, value in (
        ("MONITOR_MAX_BODY_BYTES", "-1"),
        ("MONITOR_READ_TIMEOUT", "-1"),
        ("MONITOR_CONNECT_TIMEOUT", "0"),
        ("MONITOR_MAX_REDIRECTS", "-1"),
        ("MONITOR_HTTP_LISTEN", "nonsense"),
    )] + [("a source URL with a line break", {}, with_line_break, "sources[0].url")]
    answers = []
    for label, overrides, sources, culprit in cases:
        code, lines, created = run_once(tmp, overrides, sources)
        named = "naming it" if any(culprit in line for line in lines) else "NOT naming it"
        answers.append(f"{label} -> exit {code}, database {'CREATED' if created else 'none'}, {len(lines)} line {named}")
    return "; ".join(answers)


# -- 13. the pattern check ---------------------------------------------------------------------


def probe_patterns(tmp: Path) -> str:
    patterns = [r"(a|aa)+$", r"((a+))+$", r"(a|a)*$"]
    rules = tmp / "pattern-rules"
    rules.mkdir()
    (rules / "patterns.yaml").write_text(
        "rules:\n"
        + "".join(
            f"  - id: p{index}\n    title: t\n    severity: low\n    weight: 1\n    match:\n      regex: '{pattern}'\n"
            "    examples:\n      match: [{text: a}]\n      no_match: [{text: b}]\n"
            for index, pattern in enumerate(patterns)
        ),
        encoding="utf-8",
    )
    try:
        load_rules(rules, learned=False)
        problems: dict[str, str] = {}
    except RuleError as exc:
        problems = {p.location: p.message for p in exc.problems}
    answers = []
    for index, pattern in enumerate(patterns):
        message = problems.get(f"rules[{index}].match.regex")
        answers.append(f"{pattern} refused: yes ({message.split(': it can backtrack')[0]})" if message else f"{pattern} refused: NO")
    return f"{sum(1 for i in range(len(patterns)) if f'rules[{i}].match.regex' in problems)}/{len(patterns)} refused at load; " + "; ".join(answers)


# -- 14. the address guard ---------------------------------------------------------------------


def probe_address_guard(tmp: Path) -> str:
    hostile = [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible 127.0.0.1
        "fec0::1",  # site-local
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address 169.254.169.254
        "2002:a9fe:a9fe::",  # its 6to4 form
        "::169.254.169.254",  # IPv4-compatible
        "::ffff:169.254.169.254",  # IPv4-mapped
        "169.254.169.254",  # the address itself
    ]
    public = ["64:ff9b::808:808", "2002:808:808::"]  # NAT64 and 6to4 of 8.8.8.8: checked only, never fetched
    settings = make_settings(tmp, allow_private_addresses="false")
    fetcher = make_fetcher(settings)
    let_through: list[str] = []
    connect = socket.create_connection
    try:
        with mock.patch.object(socket, "create_connection", side_effect=connect) as connections:
            for address in hostile:
                host = f"[{address}]" if ":" in address else address
                try:
                    fetcher.get(f"http://{host}:8080/feed.xml")
                    let_through.append(address)
                except AddressRefused:
                    pass
                except FetchError as exc:  # got past the guard and failed further on
                    let_through.append(f"{address} ({exc})")
        attempts = connections.call_count
    finally:
        fetcher.close()
    guard = AddressGuard(settings.allowed_networks())
    passed = 0
    for address in public:
        try:
            guard.check(f"http://[{address}]/")
            passed += 1
        except AddressRefused:
            pass
    refused = len(hostile) - len(let_through)
    return (
        f"default guard (MONITOR_ALLOW_PRIVATE_ADDRESSES={settings.allow_private_addresses}): refused {refused}/{len(hostile)} "
        f"({', '.join(hostile)}); let through: {', '.join(let_through) or 'none'}; connections attempted: {attempts}; "
        f"public look-alikes ({', '.join(public)}) pass the check: {passed}/{len(public)}"
    )


# -- the run -----------------------------------------------------------------------------------


def main() -> None:
    logging.getLogger().addHandler(logging.NullHandler())  # the monitor's log stays out of the figures
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hostile-inputs-") as name:
        tmp = Path(name)

        def fresh(label: str) -> Path:
            path = tmp / label
            path.mkdir()
            return path

        def show(number: int, line: str) -> None:
            print(f"{number:2}. {line}", flush=True)

        settings = make_settings(fresh("knowledge"))
        show(1, probe_scoring(settings, load_knowledge(settings)))
        show(2, probe_double_gzip(fresh("gzip")))
        show(3, probe_dribble(fresh("dribble")))
        show(4, probe_hung_polls(fresh("scheduler")))
        show(5, probe_killed_worker(fresh("outbox")))
        long_feed, garbage = probe_pipeline(fresh("pipeline"))
        show(6, long_feed)
        show(7, garbage)
        with verdict_endpoint(fresh("endpoint")) as endpoint:
            show(8, probe_half_requests(endpoint))
            show(9, probe_malformed_links(endpoint))
            show(10, probe_repeated_link(endpoint))
        show(11, probe_unreadable_config(fresh("cli-files")))
        show(12, probe_bad_settings(fresh("cli-settings")))
        show(13, probe_patterns(fresh("patterns")))
        show(14, probe_address_guard(fresh("guard")))
    print(f"all probes: {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
