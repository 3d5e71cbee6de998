"""Verdict links: an analyst marks an alert true or false from the message itself.

A link carries the alert, the verdict and an expiry, signed with HMAC-SHA256 under the
monitor's secret key, so that a forwarded link stops working after its time and cannot be
altered to another alert or verdict. The daemon's small HTTP endpoint checks and records it.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from monitor.models import Clock

logger = logging.getLogger(__name__)

VERDICTS = ("tp", "fp")


class LinkError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class LinkSigner:
    key: bytes
    base_url: str  # where analysts reach the endpoint, e.g. https://monitor.example.org
    ttl: timedelta

    def _signature(self, alert_id: int, verdict: str, expires: int) -> str:
        message = f"{alert_id}:{verdict}:{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def links(self, alert_id: int, now: datetime) -> dict[str, str]:
        """One link per verdict for an alert, valid for ``ttl`` from ``now``."""
        expires = int((now + self.ttl).timestamp())
        return {
            verdict: f"{self.base_url.rstrip('/')}/verdict?"
            + urlencode({"alert": alert_id, "verdict": verdict, "expires": expires, "sig": self._signature(alert_id, verdict, expires)})
            for verdict in VERDICTS
        }

    def verify(self, query: str, now: datetime) -> tuple[int, str]:
        """The alert and verdict of a link's query string; LinkError if it is forged or expired."""
        params = {k: v[0] for k, v in parse_qs(query).items()}
        try:
            alert_id, verdict, expires, signature = int(params["alert"]), params["verdict"], int(params["expires"]), params["sig"]
        except (KeyError, ValueError) as exc:
            raise LinkError(400, "incomplete link") from exc
        if verdict not in VERDICTS or not hmac.compare_digest(signature, self._signature(alert_id, verdict, expires)):
            raise LinkError(403, "this link is not valid")
        if now.timestamp() > expires:
            raise LinkError(410, "this link has expired; mark the alert with `monitor alerts mark`")
        return alert_id, verdict


Mark = Callable[[int, str, str | None, datetime], bool]


def serve_verdicts(host: str, port: int, signer: LinkSigner, mark: Mark, clock: Clock) -> ThreadingHTTPServer:
    """Start the endpoint in a background thread; the caller shuts it down."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            if parts.path == "/health":
                return self._answer(200, "ok")
            if parts.path != "/verdict":
                return self._answer(404, "not found")
            try:
                alert_id, verdict = signer.verify(parts.query, clock())
            except LinkError as exc:
                return self._answer(exc.status, str(exc))
            if not mark(alert_id, verdict, "from a link in the message", clock()):
                return self._answer(404, f"no alert #{alert_id}")
            logger.info("verdict recorded alert=%s verdict=%s", alert_id, verdict)
            return self._answer(200, f"Recorded: alert #{alert_id} is a {'true' if verdict == 'tp' else 'false'} positive. Thank you.")

        def _answer(self, status: int, text: str) -> None:
            body = f"<!DOCTYPE html><html><body><p>{html.escape(text)}</p></body></html>".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("http %s", format % args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="verdict-endpoint", daemon=True).start()
    return server
