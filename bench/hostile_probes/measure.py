"""What the hostile-input probes share: the clock, a measure of memory and time, how an outcome reads."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from monitor.errors import FetchError

# The repository: the shipped rules and data the command-line probes load, the delivery worker's directory.
ROOT = Path(__file__).resolve().parents[2]

T = TypeVar("T")
MB = 1_000_000
PUBLISHED = datetime(2024, 9, 25, tzinfo=UTC)  # less than three weeks before Lithuania's vote: the windowed rules run


def now() -> datetime:
    return datetime.now(UTC)


def measured(action: Callable[[], T]) -> tuple[T | FetchError, int, float]:
    """What ``action`` returned (or raised), the peak of memory traced while it ran, and its seconds."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome: T | FetchError = action()
    except FetchError as exc:  # the probes that expect a refusal report it
        outcome = exc
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, peak, seconds


def described(outcome: object) -> str:
    return f"{type(outcome).__name__}: {outcome}" if isinstance(outcome, Exception) else f"accepted ({type(outcome).__name__})"
