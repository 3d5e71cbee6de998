"""Never silent: a source that keeps failing, or goes quiet far longer than its usual rhythm.

Pure: the scheduler's health job passes each source's state and the times of its latest items.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from monitor.models import HealthPolicy, Source
from monitor.store.repo import SourceStatus


@dataclass(frozen=True)
class Trouble:
    kind: str  # failing | silent
    message: str


def source_trouble(source: Source, status: SourceStatus, item_times: list[datetime], now: datetime, policy: HealthPolicy) -> Trouble | None:
    if status.consecutive_failures >= policy.failures:
        since = f" since {status.last_success_at:%Y-%m-%d %H:%M} UTC" if status.last_success_at else ", never polled successfully"
        return Trouble("failing", f"{status.consecutive_failures} polls failed in a row{since}; last error: {status.last_error}")
    if len(item_times) < policy.min_items:
        return None
    newest = sorted(item_times, reverse=True)
    gaps = [(a - b).total_seconds() for a, b in pairwise(newest)]
    usual = timedelta(seconds=statistics.median(gaps))
    quiet = now - newest[0]
    if quiet > max(usual * policy.quiet_factor, policy.quiet_floor):
        return Trouble("silent", f"no new item for {_days(quiet)}; it usually publishes every {_days(usual)}")
    return None


def _days(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
