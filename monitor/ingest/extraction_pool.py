"""Page extraction on every core: a pool of worker processes, started on first use.

Extraction (trafilatura over lxml) is most of a poll's CPU time and holds the GIL, so threads
cannot spread it; processes can. The pool starts when the first page is extracted, so a daemon
whose feeds answer 304 starts none. Workers are forked from a fork server (never from the
daemon itself, whose threads may hold locks at the moment of a fork) that has imported the
extractor once. Each page is extracted by ``extract_page``, in the worker, with all its checks.

A page's extraction has a deadline, which in a process can be kept: a page still being read after
``deadline`` seconds (a pathological page for the parser) is an error, and the pool's processes
are stopped, which breaks the pool. A worker that dies (killed, out of memory, a crash in a
parser) breaks the whole pool too, and with it every extraction in flight. The pool is then replaced, and each page whose extraction broke
is extracted again alone, in a process of its own, one at a time: pages in flight beside the
culprit are not lost, and the page that kills its process again is the one at fault
(ExtractionCrashed: its entry is left unstored and retried next poll).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as Late
from concurrent.futures.process import BrokenProcessPool

from monitor.config.logs import handler_for
from monitor.errors import ExtractionCrashed, FetchStopped
from monitor.ingest.extract import Extracted, extract_page

logger = logging.getLogger(__name__)

START_METHOD = "forkserver"  # not "fork": the daemon has threads; the fork server has none
# Imported once by the fork server, not by every worker (extract_page imports trafilatura only
# when first called, so that a daemon without a pool or without pages never loads it).
PRELOADED = ["monitor.ingest.extract", "trafilatura"]
EXTRACT_DEADLINE = 60.0  # seconds one page's extraction may take (typical pages: well under one)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), else the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_worker(level: int, log_format: str) -> None:
    """In each worker: Ctrl-C is the daemon's to handle (it closes the pool); warnings are logged
    as the daemon logs them (its level, its format: text or JSON lines)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    root.addHandler(handler_for(log_format))
    root.setLevel(level)


class OneAtATime:
    """``extract_page`` in this process, one page at a time (no pool: ``extract_workers`` 0 or 1).

    trafilatura parses every page with one parser object of its module, which several threads
    would use at once: a worker extracting in ten poll threads died twice in six runs of
    bench/scale_out.py with glibc's "munmap_chunk(): invalid pointer". Threads gain nothing by
    extracting at once anyway (extraction holds the GIL most of its time); they still fetch at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def extract(self, body: bytes, url: str | None = None, content_type: str | None = None) -> Extracted | None:
        with self._lock:
            return extract_page(body, url, content_type)


class ExtractionPool:
    """``extract(body, url, content_type)`` as ``extract_page``, run in ``workers`` processes.

    Thread-safe: every fetch thread of every poll submits to the one pool. Close it after use.
    """

    def __init__(self, workers: int, deadline: float = EXTRACT_DEADLINE, log_format: str = "text") -> None:
        self.workers = workers
        self.deadline = deadline
        self.log_format = log_format  # "text" or "json", as the daemon logs
        self._lock = threading.Lock()
        self._alone = threading.Lock()  # the pages extracted again after a crash, one at a time
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self.replaced = 0  # pools replaced after a worker died (for the log and the tests)

    def extract(self, body: bytes, url: str | None = None, content_type: str | None = None) -> Extracted | None:
        pool = self._current()
        try:
            return pool.submit(extract_page, body, url, content_type).result(self.deadline)
        except Late:
            self._replace(pool, stop_workers=True)
            raise ExtractionCrashed(f"{url or 'a page'}: its extraction took longer than {self.deadline:g} s") from None
        except BrokenProcessPool:
            self._replace(pool)
        logger.warning("an extraction process died; extracting the page again on its own url=%s", url)
        return self._extract_alone(body, url, content_type)

    def processes(self) -> list[int]:
        """The process ids of the pool's workers (none before the first extraction)."""
        with self._lock:
            pool = self._pool
        return sorted(getattr(pool, "_processes", None) or {}) if pool is not None else []

    def close(self) -> None:
        """Stop the workers; extractions asked for afterwards raise FetchStopped."""
        with self._lock:
            self._closed, pool, self._pool = True, self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise FetchStopped("extraction abandoned, the monitor is stopping")
            if self._pool is None:
                self._pool = self._new_pool(self.workers, self.log_format)
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor, stop_workers: bool = False) -> None:
        """Drop a broken pool (once, however many of its extractions noticed); the next use starts another.

        ``stop_workers``: kill its processes first (an extraction past its deadline would run on).
        """
        with self._lock:
            if self._pool is not broken:
                return
            self._pool = None
            self.replaced += 1
        if stop_workers:
            for process in list((getattr(broken, "_processes", None) or {}).values()):
                process.kill()
        logger.warning("an extraction process died or overran; the pool of %d is replaced", self.workers)
        broken.shutdown(wait=False, cancel_futures=True)

    def _extract_alone(self, body: bytes, url: str | None, content_type: str | None) -> Extracted | None:
        with self._alone:
            if self._closed:
                raise FetchStopped("extraction abandoned, the monitor is stopping")
            with self._new_pool(1, self.log_format) as single:
                try:
                    return single.submit(extract_page, body, url, content_type).result(self.deadline)
                except Late:
                    for process in list((getattr(single, "_processes", None) or {}).values()):
                        process.kill()
                    raise ExtractionCrashed(f"{url or 'a page'}: its extraction took longer than {self.deadline:g} s") from None
                except BrokenProcessPool:
                    raise ExtractionCrashed(f"{url or 'a page'}: the process extracting it died, twice") from None

    @staticmethod
    def _new_pool(workers: int, log_format: str) -> ProcessPoolExecutor:
        context = multiprocessing.get_context(START_METHOD)
        context.set_forkserver_preload(PRELOADED)
        level = logging.getLogger().getEffectiveLevel()
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(level, log_format))
