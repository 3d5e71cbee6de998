"""The new entries of one poll on their way: pages fetched ahead on threads, items settled in order.

A poll's entries take three steps: the seen check (``look``), the page's fetch and extraction
(``fetch``), and scoring, deciding and storing (``settle``). The fetches of a few entries run at
once, on threads of the poll (their extraction in the extraction pool's processes, when there is
one), while the poll's own thread looks at the entries and settles them one by one, in feed order,
as when they were taken one after another. What is not settled (a stop, an error) stays unstored,
so the next poll takes it up again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import TracebackType
from typing import Protocol

from monitor.errors import FetchStopped
from monitor.models import Article, FeedEntry, Source

logger = logging.getLogger(__name__)

STOPPED = "stopped before the end of the feed"


class Outcome(Enum):
    """What became of one feed entry, for the poll's counts."""

    KNOWN = "known"  # stored before: nothing fetched
    DUPLICATE = "duplicate"  # fetched, then found stored meanwhile (by another source's poll)
    STORED = "stored"  # stored, no alert of its own (a copy of an alerted story included)
    ALERT = "alert"  # stored with an alert (sent or silenced)


@dataclass(frozen=True)
class NewEntry:
    """An entry found new by the seen check, on its way to be fetched, scored and stored."""

    entry: FeedEntry
    now: datetime  # the time the entry was taken up: its item's times are counted from it
    title_key: str | None


class EntrySteps(Protocol):
    def look(self, entry: FeedEntry) -> NewEntry | None:
        """The seen check: None for an entry stored before (nothing is fetched for it)."""

    def fetch(self, new: NewEntry) -> Article:
        """The entry's article (its page fetched and extracted, else the feed's text): on a fetch thread."""

    def settle(self, new: NewEntry, article: Article) -> Outcome:
        """Score, decide and store: in the poll's thread, in feed order."""


@dataclass
class Tally:
    """What one poll did with its entries so far."""

    attempted: int = 0  # new entries taken up (each counts against the cap, whatever became of it)
    new_items: int = 0
    alerts: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    stopped: bool = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.errors.append(STOPPED)


class InFlight:
    """A poll's entries, ``take``-n in feed order; at most ``limit`` pages fetched at once. Use it in a with block."""

    def __init__(self, steps: EntrySteps, source: Source, stop: threading.Event, limit: int, tally: Tally) -> None:
        self._steps, self._source, self._stop, self._limit, self._tally = steps, source, stop, max(1, limit), tally
        self._waiting: deque[tuple[NewEntry, Future[Article]]] = deque()
        self._threads: ThreadPoolExecutor | None = None  # started with the poll's first page

    def take(self, entry: FeedEntry) -> None:
        if any(_same_item(entry, new.entry) for new, _ in self._waiting):
            self._drain()  # an entry listed twice: its first copy is stored before the second is looked at
            if self._tally.stopped:
                return
        try:
            new = self._steps.look(entry)  # the seen check, a step of its own before any fetch
        except Exception as exc:  # one bad entry must not stop the others; it is retried next poll
            self._tally.attempted += 1
            self._failed(entry, exc)
            return
        if new is None:
            return
        self._tally.attempted += 1
        if not (self._source.fetch_pages and entry.url):  # nothing to fetch: taken at once, after those before it
            self._drain()
            if not self._tally.stopped:
                self._settle(new, None)
            return
        while len(self._waiting) >= self._limit and not self._tally.stopped:
            self._settle(*self._waiting.popleft())
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self._limit, thread_name_prefix=f"fetch-{self._source.id}")
        self._waiting.append((new, self._threads.submit(self._steps.fetch, new)))

    def _drain(self) -> None:
        while self._waiting and not self._tally.stopped:
            if self._stop.is_set():
                self._tally.stop()
                break
            self._settle(*self._waiting.popleft())

    def _settle(self, new: NewEntry, fetching: Future[Article] | None) -> None:
        tally = self._tally
        try:
            article = fetching.result() if fetching is not None else self._steps.fetch(new)
            outcome = self._steps.settle(new, article)
        except FetchStopped:
            tally.stop()
            return
        except Exception as exc:  # one bad entry must not stop the others; it is retried next poll
            self._failed(new.entry, exc)
            return
        tally.new_items += outcome in (Outcome.STORED, Outcome.ALERT)
        tally.alerts += outcome is Outcome.ALERT

    def _failed(self, entry: FeedEntry, exc: Exception) -> None:
        logger.error("entry failed source=%s url=%s", self._source.id, entry.url, exc_info=exc)
        self._tally.errors.append(f"{entry.url or entry.guid}: {type(exc).__name__}: {exc}")

    def __enter__(self) -> InFlight:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self._drain()
        finally:
            if self._waiting and not self._tally.stopped:
                self._tally.stop()  # left undone by a stop: the next poll takes these entries up
            if self._threads is not None:
                self._threads.shutdown(wait=True, cancel_futures=True)


def _same_item(one: FeedEntry, other: FeedEntry) -> bool:
    """Whether two entries of a feed may be one item (a shared key or title): a duplicate listing."""
    return bool(set(one.keys) & set(other.keys)) or (one.title is not None and one.title == other.title)
