"""The daemon's small HTTP endpoint: its health and metrics for operators, and where an analyst's
verdict link is checked and recorded.

``/health`` answers 200 or 503 with a JSON body (``monitor.daemon.status``); ``/metrics`` gives
the worker's counts in Prometheus's text format (``monitor.daemon.metrics``). Both are always
served; the verdict routes only when links are signed (a secret key and a public address).

The links are signed and verified by ``monitor.notify.links``. Following a link (GET) only shows
a page with a confirm button, so that a mail scanner that opens every link records nothing; the
button POSTs the link back, and that records the verdict (once: a repeated POST changes nothing).

The endpoint faces whoever can reach it, so it is bounded: every connection must send its whole
request within a timeout, a fixed number of connections are served at once (the rest are
answered 503), and every malformed request is answered 400.
"""

from __future__ import annotations

import html
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.daemon.metrics import CONTENT_TYPE as METRICS_TYPE
from monitor.daemon.status import Health
from monitor.models import Clock, Verdict
from monitor.notify.links import LINK_FIELDS, LinkError, LinkSigner

logger = logging.getLogger(__name__)

MAX_FORM_BYTES = 1024  # a confirm form is four short fields


Mark = Callable[[int, Verdict, str | None, datetime], bool]


@dataclass(frozen=True)
class EndpointLimits:
    timeout: float = 10.0  # seconds a connection has to send its whole request (and each reply write)
    max_connections: int = 32  # connections served at once; more are answered 503


class _DeadlineReader(io.RawIOBase):
    """A socket's input that fails with TimeoutError once the request's deadline has passed, so
    that a client dripping a byte now and then cannot hold a connection longer than the timeout."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 5\r\nContent-Length: 22\r\nConnection: close\r\n\r\nbusy, try again soon.\n"
)


@dataclass(frozen=True)
class Verdicts:
    """What the verdict routes need: the links' checker, the store's ``mark`` and the clock."""

    signer: LinkSigner
    mark: Mark
    clock: Clock


@dataclass(frozen=True)
class Operator:
    """What the operator routes answer: the worker's health, and its metrics as Prometheus reads them."""

    health: Callable[[], Health]
    metrics: Callable[[], bytes]


class _BoundedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` of them; the rest get a 503 at once."""

    daemon_threads = True
    request_queue_size = 128  # a burst waits in the accept queue briefly and is refused with 503, not stalled by TCP

    def __init__(self, address: tuple[str, int], limits: EndpointLimits, operator: Operator, verdicts: Verdicts | None) -> None:
        self.limits = limits
        self.operator = operator
        self.verdicts = verdicts
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        if ":" in address[0]:  # an IPv6 host ("[::1]:8080" in MONITOR_HTTP_LISTEN)
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        try:
            request.settimeout(0.5)  # the accepting thread must not wait on a client
            request.sendall(_BUSY)
        except OSError:
            pass
        self.shutdown_request(request)


def serve_endpoint(
    host: str, port: int, operator: Operator, verdicts: Verdicts | None = None, limits: EndpointLimits | None = None
) -> ThreadingHTTPServer:
    """Start the endpoint in a background thread; the caller shuts it down (and closes it)."""
    server = _BoundedHTTPServer((host, port), limits or EndpointLimits(), operator, verdicts)
    threading.Thread(target=server.serve_forever, name="endpoint", daemon=True).start()
    return server


class _Handler(BaseHTTPRequestHandler):
    """One connection: /health, /metrics, a link's confirm page (GET /verdict), its confirmation (POST /verdict)."""

    server: _BoundedHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.limits.timeout)  # each write of the answer, too
        self.rfile.close()  # replaced by a reader with a deadline (closing it keeps the socket open)
        deadline = time.monotonic() + self.server.limits.timeout
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, deadline))

    def do_GET(self) -> None:
        # Split by hand: urlsplit raises on some paths ("//[x"); this cannot.
        path, _, query = self.path.partition("?")
        if path == "/health":
            return self._guarded(self._health)
        if path == "/metrics":
            return self._guarded(lambda: self._send_bytes(200, METRICS_TYPE, self.server.operator.metrics()))
        if path != "/verdict" or self.server.verdicts is None:
            return self._answer(404, "not found")
        self._guarded(lambda: self._confirm_page(query))

    def do_POST(self) -> None:
        if self.path.partition("?")[0] != "/verdict" or self.server.verdicts is None:
            return self._answer(404, "not found")
        self._guarded(self._record)

    def _health(self) -> None:
        health = self.server.operator.health()
        self._send_bytes(200 if health.healthy else 503, "application/json", json.dumps(health.body).encode())

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except LinkError as exc:
            self._answer(exc.status, str(exc))
        except TimeoutError:  # the form's body did not arrive within the request's deadline
            self._answer(408, "the request did not arrive in time")
        except Exception:  # the database may be down; the analyst can follow the link again
            logger.exception("endpoint request failed path=%s", self.path.partition("?")[0])
            self._answer(500, "the request could not be served; try again later")

    def _confirm_page(self, query: str) -> None:
        """What a followed link shows: the verdict to confirm, nothing recorded yet."""
        verdicts = self.server.verdicts
        assert verdicts is not None  # the route is served only with them
        fields = verdicts.signer.verified_fields(query, verdicts.clock())
        alert_id, verdict = fields[0], fields[1]
        hidden = "".join(f'<input type="hidden" name="{name}" value="{html.escape(str(value))}">' for name, value in zip(LINK_FIELDS, fields, strict=True))
        question = html.escape(f"Mark alert #{alert_id} as a {verdict.describe()}?")
        # A relative action keeps a reverse proxy's path prefix.
        form = f'<form method="post" action="verdict">{hidden}<button type="submit">Yes, record it</button></form>'
        self._send(200, f"<p>{question}</p>{form}")

    def _record(self) -> None:
        verdicts = self.server.verdicts
        assert verdicts is not None  # the route is served only with them
        alert_id, verdict = verdicts.signer.verify(self._form(), verdicts.clock())
        if not verdicts.mark(alert_id, verdict, "from a link in the message", verdicts.clock()):
            raise LinkError(404, f"no alert #{alert_id}")
        logger.info("verdict recorded alert=%s verdict=%s", alert_id, verdict)
        self._answer(200, f"Recorded: alert #{alert_id} is a {verdict.describe()}. Thank you.")

    def _form(self) -> str:
        length = self.headers.get("Content-Length", "")
        if not (length.isascii() and length.isdigit()):  # "²" is a digit to str.isdigit, not to int()
            raise LinkError(411 if not length else 400, "the form needs a valid Content-Length")
        if int(length) > MAX_FORM_BYTES:
            raise LinkError(413, "the form is too large")
        return self.rfile.read(int(length)).decode("ascii", errors="replace")

    def _answer(self, status: int, text: str) -> None:
        self._send(status, f"<p>{html.escape(text)}</p>")

    def _send(self, status: int, content: str) -> None:
        body = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f"<title>Alert verdict</title></head><body>{content}</body></html>"
        ).encode()
        self._send_bytes(status, "text/html; charset=utf-8", body)

    def _send_bytes(self, status: int, content_type: str, body: bytes) -> None:
        self.connection.settimeout(self.server.limits.timeout)  # the reading deadline may have left little
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")  # the page's address carries the signature
        self.send_header("Content-Security-Policy", "default-src 'none'; form-action 'self'")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("http %s", format % args)

