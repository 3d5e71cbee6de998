"""Extraction in worker processes: the same text as in this process, started on first use, and a
worker's death (a real os.kill) costs at most the page that kills it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.errors import ExtractionCrashed, FetchStopped, NotText
from monitor.ingest.extract import extract_page
from monitor.ingest.extraction_pool import EXTRACT_DEADLINE, ExtractionPool, OneAtATime, available_cores
from testbed.builders import page
from testbed.processes import Reaper, kill, slow_page

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "html"
PARAGRAPH = "The minister of foreign affairs received the ambassador and discussed transit across the border at length."


@pytest.fixture
def pool() -> Iterator[ExtractionPool]:
    built = ExtractionPool(2)
    yield built
    built.close()


def pages() -> list[bytes]:
    found = sorted(p for p in CORPUS.glob("*/*") if p.is_file())[:3]
    return [page("Minister meets ambassador", PARAGRAPH, PARAGRAPH).encode()] + [p.read_bytes() for p in found]


def test_pages_extracted_in_the_workers_read_as_in_this_process(pool: ExtractionPool) -> None:
    bodies = pages()
    assert [pool.extract(body, "https://example.org/a") for body in bodies] == [extract_page(body, "https://example.org/a") for body in bodies]


def test_a_body_that_is_not_text_is_refused_by_the_worker_as_here(pool: ExtractionPool) -> None:
    """The checks of extract_page hold in the workers: a binary body raises NotText, with its reason."""
    with pytest.raises(NotText, match="content type image/png"):
        pool.extract(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "https://example.org/x.png", "image/png")


def test_no_process_is_started_before_the_first_page_and_none_is_left_after_close(pool: ExtractionPool) -> None:
    assert pool.processes() == []
    assert pool.extract(pages()[0]) is not None
    workers = pool.processes()
    assert 1 <= len(workers) <= 2  # started as work comes, at most the pool's size
    pool.close()
    assert pool.processes() == []
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and "Z" not in (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0])]
    with pytest.raises(FetchStopped):
        pool.extract(pages()[0])


def test_a_worker_killed_mid_extraction_costs_nothing_the_page_is_read_again(pool: ExtractionPool) -> None:
    """The pool breaks; it is replaced, and the page in flight is extracted again on its own."""
    body = slow_page().encode()
    pool.extract(pages()[0])  # the pool is up
    result: list[object] = []
    extracting = threading.Thread(target=lambda: result.append(pool.extract(body)))
    extracting.start()
    time.sleep(0.3)  # well inside the second or so the page takes
    first = pool.processes()
    kill(first)
    extracting.join(60)

    assert result and result[0] == extract_page(body)
    assert pool.replaced == 1
    assert pool.extract(pages()[0]) is not None and set(pool.processes()).isdisjoint(first)  # a new pool


def test_a_page_whose_process_dies_every_time_is_an_error_and_the_pool_lives_on(pool: ExtractionPool) -> None:
    body = slow_page().encode()
    pool.extract(pages()[0])
    reaper = Reaper().start()
    try:
        with pytest.raises(ExtractionCrashed, match="died"):
            pool.extract(body, "https://example.org/long")
    finally:
        reaper.stop()
    assert pool.extract(pages()[0]) == extract_page(pages()[0])


def test_a_page_still_read_at_the_deadline_is_an_error_and_its_process_is_stopped() -> None:
    """In a process, unlike a thread, an extraction can be cut short: the pool is replaced."""
    pool = ExtractionPool(1)
    try:
        pool.extract(pages()[0])  # the pool is up (its start counts against the deadline)
        pool.deadline = 0.2
        first = pool.processes()
        with pytest.raises(ExtractionCrashed, match=r"longer than 0\.2 s"):
            pool.extract(slow_page().encode(), "https://example.org/long")
        assert pool.replaced == 1
        pool.deadline = EXTRACT_DEADLINE
        assert pool.extract(pages()[0]) == extract_page(pages()[0])
        assert set(pool.processes()).isdisjoint(first)
    finally:
        pool.close()


def test_the_cores_available_are_counted() -> None:
    assert available_cores() >= 1


def test_without_a_pool_the_threads_of_the_polls_extract_one_page_at_a_time() -> None:
    """trafilatura's one parser object must not be used by two threads at once."""
    extraction = OneAtATime()
    bodies = pages()
    results: list[object] = []
    with extraction._lock:  # a page being extracted
        threads = [threading.Thread(target=lambda b=body: results.append(extraction.extract(b))) for body in bodies]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        assert results == []  # every other page waits its turn
    for thread in threads:
        thread.join(30)
    assert sorted(map(repr, results)) == sorted(repr(extract_page(body)) for body in bodies)
