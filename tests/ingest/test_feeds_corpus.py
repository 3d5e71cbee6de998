"""A "never crash" sweep of parse_feed over the shared third-party feed corpus (feedparser's own test files).

The corpus lives outside the repository (``shared/corpora/feeds``); the module is skipped when it
is absent. Each file is parsed as a fetch would hand it over: the ``Content-type`` from the file's
``Header:`` lines when it has one (feedparser's harness serves those headers), else the type a
server gives that kind of file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.ingest.feeds import ParsedFeed, parse_feed
from tests.conftest import SHARED

CORPUS = SHARED / "corpora" / "feeds"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared feed corpus not found at {CORPUS}")

_HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Outcome:
    path: Path
    group: str  # the top folder, e.g. "feedparser/wellformed" or "real/whitehouse-briefings"
    parsed: ParsedFeed | None
    crash: str | None


def _content_type(path: Path, body: bytes) -> str:
    declared = {name.lower(): value for name, value in _HEADER.findall(body[:4000])}
    if b"content-type" in declared:
        return declared[b"content-type"].decode("latin-1")
    return {".json": "application/feed+json", ".tsv": "text/tab-separated-values"}.get(path.suffix, "application/xml")


def _relative(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    results = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        body = path.read_bytes()
        group = "/".join(path.relative_to(CORPUS).parts[:2])
        url = "http://127.0.0.1:8097/" + _relative(path)
        try:
            parsed, crash = parse_feed(body, "corpus", url, _content_type(path, body)), None
        except Exception as exc:  # the sweep records every crash instead of stopping at the first
            parsed, crash = None, f"{type(exc).__name__}: {exc}"
        results.append(Outcome(path, group, parsed, crash))
    return results


def test_the_corpus_is_there(outcomes: list[Outcome]) -> None:
    """The sweep sees the whole corpus (about 2,100 files), including the well-formed group."""
    assert len(outcomes) > 2000
    assert sum(o.group == "feedparser/wellformed" for o in outcomes) > 1500


def test_no_file_crashes_parse_feed(outcomes: list[Outcome]) -> None:
    """Every corpus file, well-formed or not, goes through parse_feed without raising."""
    crashes = [f"{_relative(o.path)}: {o.crash}" for o in outcomes if o.crash]
    assert crashes == []


def test_bozo_files_per_folder(outcomes: list[Outcome]) -> None:
    """Broken files are reported as problems, counted per top folder: ill-formed and entity files are bozo."""
    total = Counter(o.group for o in outcomes)
    bozo = Counter(o.group for o in outcomes if o.parsed is not None and o.parsed.problem)
    print("bozo files per folder:", {group: f"{bozo[group]}/{total[group]}" for group in sorted(total)})
    assert bozo["feedparser/illformed"] > 0
    # Each entities/ file uses an entity XML does not define: the strict parser must call it bozo.
    assert bozo["feedparser/entities"] == total["feedparser/entities"]


def test_well_formed_files_have_no_problem(outcomes: list[Outcome]) -> None:
    """Every file under feedparser/wellformed (promised not-bozo upstream) parses with ``problem`` None."""
    flagged = [
        f"{_relative(o.path)}: {o.parsed.problem}"
        for o in outcomes
        if o.group == "feedparser/wellformed" and o.parsed is not None and o.parsed.problem
    ]
    assert flagged == []


def test_real_feeds_yield_entries_without_problem(outcomes: list[Outcome]) -> None:
    """Each real White House feed snapshot parses cleanly into dated entries with links."""
    real = [o for o in outcomes if o.group == "real/whitehouse-briefings" and o.path.suffix == ".xml"]
    assert real
    for outcome in real:
        assert outcome.parsed is not None and outcome.parsed.problem is None, _relative(outcome.path)
        assert len(outcome.parsed.entries) >= 10
        assert all(e.url and e.url.startswith("http") and e.published is not None for e in outcome.parsed.entries)
