"""Never silent: a source that keeps failing, or goes quiet far longer than its usual rhythm.

Pure: the scheduler's health job passes, as plain values, each source's record of failures and
the times of its latest items; how the store keeps them is no concern of this module.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from monitor.models import HealthPolicy, TroubleKind


@dataclass(frozen=True)
class Trouble:
    kind: TroubleKind
    message: str


def source_trouble(
    item_times: list[datetime],
    now: datetime,
    policy: HealthPolicy,
    *,
    failures: int,
    last_success_at: datetime | None,
    last_error: str | None,
) -> Trouble | None:
    """A source's trouble: ``failures`` polls failed in a row, or its items stopped coming."""
    if failures >= policy.failures:
        since = f" since {last_success_at:%Y-%m-%d %H:%M} UTC" if last_success_at else ", never polled successfully"
        return Trouble(TroubleKind.FAILING, f"{failures} polls failed in a row{since}; last error: {last_error}")
    if len(item_times) < policy.min_items:
        return None
    newest = sorted(item_times, reverse=True)
    gaps = [(a - b).total_seconds() for a, b in pairwise(newest)]
    usual = timedelta(seconds=statistics.median(gaps))
    quiet = now - newest[0]
    if quiet > max(usual * policy.quiet_factor, policy.quiet_floor):
        return Trouble(TroubleKind.SILENT, f"no new item for {_days(quiet)}; it usually publishes every {_days(usual)}")
    return None


def _days(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
