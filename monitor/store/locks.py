"""Deciding an alert one at a time, across every thread and every worker process.

Story matching reads the recent alerts, then writes an alert or a copy on one of them; two copies
of a story decided at the same moment would each find no story and both alert, and two copies
joining one story at once would each rewrite its list of copies. The section from the look-up to
the write is therefore held by one poll at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

ALERT_LOCK_KEY = 0x616C657274  # PostgreSQL advisory lock key for the section ("alert")


class AlertLock:
    """The threads of one process queue on a lock of their own; on PostgreSQL the holder also
    takes a session-level advisory lock on a connection of its own, which queues the other
    workers. SQLite serves one worker process, so the threads' lock is all it needs."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._threads = threading.Lock()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if self._engine.dialect.name != "postgresql":
                yield
                return
            with self._engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ALERT_LOCK_KEY})
                connection.commit()
                try:
                    yield
                finally:  # a pooled connection outlives the block: release the lock explicitly
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ALERT_LOCK_KEY})
                    connection.commit()
