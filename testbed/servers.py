"""Real local servers: an HTTP server with programmable routes, an SMTP server, a server that
dribbles its answer, a chat receiver that holds a post.

Everything binds to 127.0.0.1 on a free port and stops when the test (or benchmark) ends.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Route:
    """What the HTTP server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # answer 304 when the client sends it back
    last_modified: str | None = None
    fail_next: int = 0  # answer 500 to this many requests first (then recover)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _QuietHTTPServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (a fetcher refusing a body it will not read) is expected
    here, not a server error worth a traceback in the test output."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalHTTPServer:
    """Serves routes, records every request, answers POSTs (apprise json://) with 200."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer._answer(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer._answer(self, self.rfile.read(length))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _QuietHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes | str, **kwargs: Any) -> str:
        self.routes[path] = Route(body.encode() if isinstance(body, str) else body, **kwargs)
        return self.url(path)

    def hits(self, path: str, method: str = "GET") -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path and r.method == method]

    def _answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path = handler.path
        with self._lock:
            self.requests.append(Request(handler.command, path, {k.lower(): v for k, v in handler.headers.items()}, body))
            route = self.routes.get(path) or self.routes.get(path.split("?")[0])  # a route with its query first
            failing = route is not None and route.fail_next > 0
            if route is not None and failing:
                route.fail_next -= 1
        if route is None:
            if handler.command == "POST":
                return self._send(handler, 200, b"{}", {"Content-Type": "application/json"})
            return self._send(handler, 404, b"not found", {})
        if failing:
            return self._send(handler, 500, b"temporarily broken", {})
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        unchanged = (route.etag and handler.headers.get("If-None-Match") == route.etag) or (
            route.last_modified and handler.headers.get("If-Modified-Since") == route.last_modified
        )
        if unchanged and route.status == 200:
            return self._send(handler, 304, b"", headers)
        self._send(handler, route.status, route.body, headers)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if status != 304 and handler.command != "HEAD":
            handler.wfile.write(body)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalSMTPServer:
    """An aiosmtpd server collecting every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.port = free_port()
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                outer.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> LocalSMTPServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def apprise_url(self, to: str = "analyst@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=monitor@example.org&to={to}&mode=insecure"

    def bodies(self) -> list[str]:
        out = []
        for message in self.messages:
            parts = message.walk() if message.is_multipart() else [message]
            out.append("".join(_text_of(p) for p in parts if not p.is_multipart()))
        return out


class DribbleServer:
    """An HTTP server that answers every request slowly: its headers at once, then one byte of
    the body every ``interval`` seconds (``length`` bytes in all). A read timeout never fires
    against it; only a total deadline ends such a fetch early. Stopping closes every connection."""

    def __init__(self, interval: float, length: int, content_type: str = "application/rss+xml") -> None:
        self.interval = interval
        self.length = length
        self.content_type = content_type
        self.connections = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> DribbleServer:
        self._thread.start()
        return self

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            for client in self._clients:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
                client.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._clients.append(client)
                self.connections += 1
            threading.Thread(target=self._dribble, args=(client,), daemon=True).start()

    def _dribble(self, client: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                data = client.recv(4096)
                if not data:
                    return
                request += data
            head = f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\nContent-Length: {self.length}\r\n\r\n"
            client.sendall(head.encode())
            for _ in range(self.length):
                if self._stopping.wait(self.interval):
                    return
                client.sendall(b" ")
        except OSError:
            return


class HoldingReceiver:
    """A chat service that records every post and, while ``hold`` is set, never answers the first one."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.hold = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.titles.append(json.loads(body)["title"])
                if outer.hold.is_set():
                    outer.release.wait(30)  # the sender waits here until it is killed
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the killed sender is gone

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"json://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


def _text_of(part: Message) -> str:
    """A non-multipart part's body, transfer-decoded."""
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
