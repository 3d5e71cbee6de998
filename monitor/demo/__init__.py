"""`monitor demo`: the whole loop, offline, in seconds.

A bundled sample site (a foreign ministry's feed with the founding case and a routine trade
item, and a government's feed with a domestic call to vote) is served on loopback; one cycle
runs into a temporary database; the alerts it would send are printed.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

from monitor.daemon.scheduler import poll_all
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import Monitor
from monitor.models import Clock
from monitor.store.engine import ensure_schema

SITE = Path(__file__).parent / "site"
SOURCES = Path(__file__).parent / "sources.yaml"


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves the sample site with ``{base}`` in feeds and pages replaced by the server's address."""

    def __init__(self, *args: Any, base: str, **kwargs: Any) -> None:
        self.base = base
        super().__init__(*args, directory=str(SITE), **kwargs)

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes().replace(b"{base}", self.base.encode())
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml" if path.suffix == ".xml" else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_sample_site() -> Iterator[str]:
    """Serve the sample site on 127.0.0.1 (a free port); yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_SiteHandler, base="http://placeholder"))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = partial(_SiteHandler, base=base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def demo_sources(base: str, directory: Path) -> Path:
    path = directory / "sources.yaml"
    path.write_text(SOURCES.read_text(encoding="utf-8").replace("{base}", base), encoding="utf-8")
    return path


def run_demo(settings: Settings, clock: Clock, out: TextIO | None = None, form: str = "text") -> int:
    """Run one cycle against the sample site and print the alerts it would send (``form``: text, or one JSON object)."""
    out = out or sys.stdout
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp, serve_sample_site() as base:
        demo_settings = settings.model_copy(
            update={
                "database_url": f"sqlite:///{tmp}/demo.db",
                "sources_file": demo_sources(base, Path(tmp)),
                "allow_private_addresses": "127.0.0.1",
                "notify_urls": "",
                "notify_config": None,
            }
        )
        with Monitor(demo_settings, clock) as monitor:
            ensure_schema(monitor.engine)
            if form == "json":
                reports = poll_all(monitor.enabled_sources, monitor.deps)
                polls = [{"source": r.source_id, "entries": r.entries, "new": r.new_items, "alerts": r.alerts} for r in reports]
                found = [{"title": a.title, "severity": a.severity, "score": a.score, "url": a.url, "body": a.body} for a in monitor.deps.store.alerts()]
                print(json.dumps({"sources": polls, "alerts": found}, ensure_ascii=False, indent=2), file=out)
                return 0
            print(f"Sample site at {base}; database {tmp}/demo.db", file=out)
            for report in poll_all(monitor.enabled_sources, monitor.deps):
                print(f"  {report.source_id}: {report.entries} entries, {report.new_items} new, {report.alerts} alerts", file=out)
            alerts = monitor.deps.store.alerts()
            print(f"\n{len(alerts)} alert(s) would be sent:\n", file=out)
            for alert in alerts:
                print(alert.title, file=out)
                print(alert.body, file=out)
                print("", file=out)
    return 0
