"""Probes 8, 9 and 10: the verdict endpoint sent half requests, malformed and oversized links, one link twice."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx

from bench.hostile_probes.measure import now
from monitor.daemon.endpoint import EndpointLimits, Verdicts, serve_endpoint
from monitor.models import AlertKind
from monitor.notify.links import LinkSigner
from monitor.store.engine import make_engine, upgrade
from monitor.store.repo import Store
from monitor.store.tables import VerdictRevision
from testbed.builders import count_rows
from testbed.endpoint import WELL
from testbed.timing import wait_for

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
    server = serve_endpoint("127.0.0.1", 0, WELL, Verdicts(signer, store.mark, now), limits)
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
