"""Many texts scored with one rule set: each text's analysis read (or made once), the scoring spread over the cores.

Backtests, the evaluation and tuning score hundreds or thousands of texts with rules that are
not the ones they were stored with. What no rule changes (normalised texts, words, language,
countries: ``monitor.detect.prepared``) is read from the bytes kept with an item, or computed
when there are none or they are stale; then the rules score it. A large run is spread over a
pool of processes forked from this one, which already holds the rules, the gazetteer and the
calendar (nothing is loaded again, nothing large is sent): texts go to the workers in chunks
and their results come back in order, so a run gives the same results on any number of processes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from multiprocessing.pool import AsyncResult, Pool

from monitor.detect import prepared
from monitor.detect.countries import Gazetteer
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.ruleset import RuleSet
from monitor.detect.scoring import assess
from monitor.models import Assessment, Source, Thresholds

SMALL_RUN = 300  # texts: fewer are scored in this process (starting workers would cost more than it saves)
CHUNK = 64  # texts sent to a worker at once
IN_FLIGHT = 4  # chunks per worker queued ahead: memory stays bounded on a large history

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Text:
    """A text to score, with the analysis kept with it, if any."""

    title: str
    text: str
    source: Source
    published: datetime
    language: str | None
    kept: bytes | None = None  # ``prepared.encode``'s bytes


@dataclass(frozen=True)
class Scored:
    assessment: Assessment
    fresh: bytes | None  # the analysis computed because none good was kept (when asked to keep them)


@dataclass(frozen=True)
class Scorer:
    """What scoring needs, loaded once; ``keep``: also return the analyses computed, to store them."""

    rules: RuleSet
    gazetteer: Gazetteer
    calendar: ElectionCalendar
    thresholds: Thresholds
    keep: bool = False

    def score(self, text: Text, digest: bytes) -> Scored:
        analysis = None
        if text.kept is not None:
            analysis = prepared.decode(text.kept, digest, text.title, text.text, text.source, text.published, self.calendar)
        fresh = None
        if analysis is None:
            analysis = prepared.analyse(text.title, text.text, text.source, text.published, self.gazetteer, self.calendar, text.language)
            fresh = prepared.encode(*analysis, digest) if self.keep else None
        document, context = analysis
        return Scored(assess(document, context, self.rules, self.thresholds), fresh)


def processes_for(count: int | None, asked: int | None = None) -> int:
    """The processes a run of ``count`` texts uses: ``asked``, else one per core for a large run."""
    if asked is not None:
        return max(1, asked)
    if count is not None and count < SMALL_RUN:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores)


def score_all(texts: Iterable[Text], scorer: Scorer, processes: int = 1, progress: Progress | None = None) -> Iterator[Scored]:
    """Every text's result, in the order of ``texts``, on ``processes`` processes."""
    digest = prepared.digest_of(scorer.gazetteer)
    results = _sequential(texts, scorer, digest) if processes <= 1 or not _can_fork() else _pooled(texts, scorer, digest, processes)
    for done, result in enumerate(results, start=1):
        if progress is not None:
            progress(done)
        yield result


def _sequential(texts: Iterable[Text], scorer: Scorer, digest: bytes) -> Iterator[Scored]:
    for text in texts:
        yield scorer.score(text, digest)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


# The scorer of a worker process: set once when it starts. Forked, the worker shares the
# parent's loaded rules, gazetteer and calendar: they are never pickled.
_worker: tuple[Scorer, bytes] | None = None


def _start_worker(scorer: Scorer, digest: bytes) -> None:
    global _worker
    _worker = (scorer, digest)


def _score_chunk(chunk: list[Text]) -> list[Scored]:
    assert _worker is not None, "a worker started without its scorer"
    scorer, digest = _worker
    return [scorer.score(text, digest) for text in chunk]


def _pooled(texts: Iterable[Text], scorer: Scorer, digest: bytes, processes: int) -> Iterator[Scored]:
    context = multiprocessing.get_context("fork")
    pool = context.Pool(processes, initializer=_start_worker, initargs=(scorer, digest))
    try:
        yield from _in_order(pool, iter(texts), processes * IN_FLIGHT)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _in_order(pool: Pool, texts: Iterator[Text], window: int) -> Iterator[Scored]:
    """Chunks handed out as workers free up, results given back in the order of the texts."""
    pending: deque[AsyncResult[list[Scored]]] = deque()
    while chunk := list(islice(texts, CHUNK)):
        pending.append(pool.apply_async(_score_chunk, (chunk,)))
        if len(pending) >= window:
            yield from pending.popleft().get()
    while pending:
        yield from pending.popleft().get()
