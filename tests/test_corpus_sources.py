"""Every feed of the shared corpus, served as a source, goes through one run without a crash.

The feeds are feedparser's own test documents (well-formed, ill-formed, odd encodings,
undefined entities) and real government feeds; each is served with the HTTP headers its
``Header:`` comment asks for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.daemon.scheduler import poll_all
from monitor.daemon.wiring import Monitor
from monitor.store.engine import ensure_schema
from testbed.builders import write_sources
from testbed.settings import make_settings
from tests.conftest import SHARED

FEEDS = SHARED / "corpora" / "feeds"
HEADER = re.compile(rb"^Header:\s*([^:]+):\s*(.+?)\s*$", re.MULTILINE)

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="the shared corpus is not present")


def corpus_files() -> list[Path]:
    return sorted(p for p in FEEDS.rglob("*") if p.is_file() and p.suffix in (".xml", ".json", ".rdf", ".atom", ".rss"))


def test_every_corpus_feed_runs_as_a_source_without_a_crash(tmp_path: Path, http_server, clock) -> None:
    """All ~2,100 feeds are polled in one run; broken ones are recorded, none stops the run."""
    files = corpus_files()
    assert len(files) > 2000
    sources = []
    for index, path in enumerate(files):
        body = path.read_bytes()
        headers = {name.decode().title(): value.decode("latin-1") for name, value in HEADER.findall(body[:2000])}
        headers.setdefault("Content-Type", "application/json" if path.suffix == ".json" else "application/xml")
        url = http_server.serve(f"/corpus/{index}{path.suffix}", body, headers=headers)
        # Entry links point at hosts on the internet: feed handling is what is under test here.
        sources.append({"id": f"corpus-{index}", "url": url, "fetch_pages": False, "kind": "news"})
    write_sources(tmp_path / "sources.yaml", *sources)

    with Monitor(make_settings(tmp_path), clock) as monitor:
        ensure_schema(monitor.engine)
        reports = poll_all(monitor.enabled_sources, monitor.deps)
        statuses = monitor.deps.store.all_source_status()

    assert len(reports) == len(files)
    assert all(r.status in ("ok", "failed") for r in reports)
    assert not [r for r in reports if r.status == "ok" and r.errors], "an entry crashed"
    failed = {r.source_id for r in reports if r.status == "failed"}
    assert all(statuses[s].last_error for s in failed)
    real = [r for r, p in zip(reports, files, strict=True) if "real" in p.parts]
    assert real and all(r.status == "ok" for r in real)
    assert sum(r.new_items for r in real) > 0  # the snapshots share items: later ones add few
    assert len(failed) < len(files) / 4
